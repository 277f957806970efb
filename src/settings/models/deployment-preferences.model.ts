import { Field, ObjectType } from '@nestjs/graphql';

@ObjectType({ description: 'Which branches a project deploys, and how: the one place builds read this from.' })
export class DeploymentPreferences {
  @Field({
    description:
      'The branch whose builds become production deployments; createBuild builds it when no branch is given.',
  })
  productionBranch!: string;

  @Field(() => [String], {
    description:
      'Branch patterns a git push builds besides the production branch: * stands for any characters within one part of the name (feature/*), ** across parts, ? for one character.',
  })
  autoDeployBranches!: string[];

  @Field({
    description:
      'Whether builds of branches other than the production branch become preview deployments. When off, pushes to auto-deploy branches are ignored, and such builds asked for otherwise run without deploying.',
  })
  previewDeployments!: boolean;
}
