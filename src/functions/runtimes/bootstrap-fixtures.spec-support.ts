import type { RuntimeLanguage } from './runtime-catalog';

/*
 * One function per language that does what the protocol specs ask of it, selected by the event's
 * `action`: fail in a function of its own, print (a partial line included), return what JSON cannot
 * hold, run out of memory, exit, echo the event; otherwise report its state, the GREETING variable
 * as it was when the handler was loaded, and what its context says.
 */
export interface Fixture {
  files: Record<string, string>;
  /** The handler setting of the load message. */
  handler: string;
  /** The file the failing line is in, and that line's text, to find in the stack. */
  failFile: string;
  failLine: string;
  /** How the runtime's stack names a file and line. */
  stackLocation: (file: string, line: number) => string;
  failType: string;
  /** The error type of a failed allocation, where the language has one to keep. */
  memoryType?: string;
  /** A handler setting naming a missing function, and the error type it gives, where there is a setting. */
  missingHandler?: { handler: string; type: string };
}

export const FIXTURES: Record<RuntimeLanguage, Fixture> = {
  python: {
    handler: 'main.handler',
    failFile: 'main.py',
    failLine: 'raise ValueError',
    stackLocation: (file, line) => `${file}", line ${line}`,
    failType: 'ValueError',
    memoryType: 'MemoryError',
    missingHandler: { handler: 'main.missing', type: 'AttributeError' },
    files: {
      'main.py': `import os
import sys

GREETING = os.environ.get("GREETING")
count = 0


def handler(event, context):
    global count
    count += 1
    action = event.get("action") if isinstance(event, dict) else None
    if action == "fail":
        fail(event["why"])
    if action == "print":
        print("line one")
        print("partial", end="")
        sys.stderr.write("to stderr\\n")
        return None
    if action == "unserializable":
        return {"set": {1, 2}}
    if action == "memory":
        return len(bytearray(1 << 50))
    if action == "exit":
        sys.exit(3)
    if action == "echo":
        return event
    return {
        "count": count,
        "greeting": GREETING,
        "function": context.function_name,
        "invocation": context.invocation_id,
        "remaining": 0 < context.get_remaining_time_in_millis() <= 60000,
    }


def fail(why):
    raise ValueError("cannot do it: " + why)
`,
    },
  },
  ruby: {
    handler: 'function.handler',
    failFile: 'function.rb',
    failLine: 'raise ArgumentError',
    stackLocation: (file, line) => `${file}:${line}:`,
    failType: 'ArgumentError',
    memoryType: 'NoMemoryError',
    missingHandler: { handler: 'function.missing', type: 'NameError' },
    files: {
      'function.rb': `GREETING = ENV['GREETING']
$count = 0

def handler(event:, context:)
  $count += 1
  case event.is_a?(Hash) && event['action']
  when 'fail' then fail_with(event['why'])
  when 'print'
    puts 'line one'
    print 'partial'
    $stderr.puts 'to stderr'
    nil
  when 'unserializable' then { 'nan' => Float::NAN }
  when 'memory' then ' ' * (1 << 50)
  when 'exit' then exit 3
  when 'echo' then event
  else
    {
      count: $count,
      greeting: GREETING,
      function: context[:function_name],
      invocation: context[:invocation_id],
      remaining: context[:remaining_time_ms].call.between?(1, 60_000)
    }
  end
end

def fail_with(why)
  raise ArgumentError, "cannot do it: #{why}"
end
`,
    },
  },
  nodejs: {
    handler: 'index.handler',
    failFile: 'index.mjs',
    failLine: 'throw new TypeError',
    stackLocation: (file, line) => `${file}:${line}:`,
    failType: 'TypeError',
    memoryType: 'RangeError',
    files: {
      'index.mjs': `const GREETING = process.env.GREETING;
let count = 0;

export async function handler(event, context) {
  count += 1;
  const action = event && event.action;
  if (action === 'fail') fail(event.why);
  if (action === 'print') {
    console.log('line one');
    process.stdout.write('partial');
    console.error('to stderr');
    return null;
  }
  if (action === 'unserializable') return { big: 10n };
  if (action === 'memory') return new ArrayBuffer(2 ** 50).byteLength;
  if (action === 'exit') process.exit(3);
  if (action === 'echo') return event;
  const remaining = context.getRemainingTimeInMillis();
  return {
    count,
    greeting: GREETING,
    function: context.functionName,
    invocation: context.invocationId,
    remaining: remaining > 0 && remaining <= 60000,
  };
}

function fail(why) {
  throw new TypeError('cannot do it: ' + why);
}
`,
    },
  },
  go: {
    handler: 'ignored',
    failFile: 'handler.go',
    failLine: 'panic("cannot do it',
    // -trimpath: the module's path and the file's.
    stackLocation: (file, line) => `function/${file}:${line}`,
    failType: 'panic',
    files: {
      'handler.go': `package main

import (
	"context"
	"fmt"
	"os"
	"time"
)

var count int

type Event struct {
	Action string \`json:"action"\`
	Why    string \`json:"why"\`
	Data   string \`json:"data,omitempty"\`
}

func Handle(ctx context.Context, event Event) (any, error) {
	count++
	switch event.Action {
	case "fail":
		fail(event.Why)
	case "print":
		fmt.Println("line one")
		fmt.Print("partial")
		fmt.Fprintln(os.Stderr, "to stderr")
		return nil, nil
	case "unserializable":
		return map[string]any{"f": func() {}}, nil
	case "exit":
		os.Exit(3)
	case "echo":
		return event, nil
	case "error":
		return nil, fmt.Errorf("returned: %s", event.Why)
	}
	deadline, _ := ctx.Deadline()
	info, _ := SlipwayContextFrom(ctx)
	remaining := time.Until(deadline)
	return map[string]any{
		"count":      count,
		"greeting":   os.Getenv("GREETING"),
		"function":   info.FunctionName,
		"invocation": info.InvocationID,
		"remaining":  remaining > 0 && remaining <= time.Minute,
	}, nil
}

func fail(why string) {
	panic("cannot do it: " + why)
}
`,
    },
  },
};

/** The 1-based line of `fixture`'s failing line. */
export function failLineNumber(fixture: Fixture): number {
  return fixture.files[fixture.failFile]!.split('\n').findIndex((line) => line.includes(fixture.failLine)) + 1;
}
