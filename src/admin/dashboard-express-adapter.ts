import type { AppViewRoute } from '@bull-board/api/typings/app';
import { ExpressAdapter } from '@bull-board/express';
import type { NextFunction, Request, Response } from 'express';

/**
 * Bull Board's page links a web font from a font service; the dashboard loads nothing from
 * outside this server (its scripts and styles come from the installed `@bull-board/ui`), so such
 * links are dropped and the page falls back to the browser's own fonts.
 */
export function withoutExternalResources(html: string): string {
  return html.replace(/<link\b[^>]*\bhref="(?:https?:)?\/\/[^"]*"[^>]*>\s*/gi, '');
}

/** Bull Board's Express adapter, serving its page without links to other origins or `X-Powered-By`. */
export class DashboardExpressAdapter extends ExpressAdapter {
  constructor() {
    super();
    // Bull Board's own Express app would otherwise announce itself, as the platform's does not.
    this.app.disable('x-powered-by');
  }

  override setEntryRoute(routeDef: AppViewRoute): ExpressAdapter {
    const handler = (_req: Request, res: Response, next: NextFunction): void => {
      const { name, params } = routeDef.handler({ basePath: this.basePath, uiConfig: this.uiConfig });
      res.render(name, params, (error: Error | null, html?: string) => {
        if (error) return next(error);
        res.type('html').send(withoutExternalResources(html ?? ''));
      });
    };
    this.app[routeDef.method](routeDef.route, handler);
    return this;
  }
}
