"""Slipway's Python bootstrap: runs a function's handler per runtimes/README.md.

Started as `python -S python.py` in the function's task directory (its working directory), with
requests on fd 0 and replies on fd 3. Works on Python 3.8 and later; imports little at start (json
and what the interpreter has already loaded), and the rest (traceback, asyncio) only when needed.
"""

import builtins
import importlib
import json
import os
import sys
import time
import types

TASK_DIR = os.getcwd()
BOOTSTRAP_FILE = os.path.abspath(__file__)


class Context:
    """What a handler learns about its invocation; `get_remaining_time_in_millis()` counts down."""

    def __init__(self, function, invocation_id, deadline_ms):
        self.function_name = function.get("name")
        self.function_version = function.get("version")
        self.memory_limit_mb = function.get("memoryMb")
        self.invocation_id = invocation_id
        self.deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(0, int(self.deadline_ms - time.time() * 1000))


def main():
    # The user's modules are imported from the task directory, not from the bootstrap's.
    sys.path[0] = TASK_DIR
    # Without the site module (-S) there is no exit() or quit(); scripts expect them.
    builtins.exit = builtins.quit = sys.exit
    # Requests stay on a descriptor of their own; the user's code gets /dev/null as stdin, so that
    # input() cannot take them. Replies go to fd 3, which no child process inherits.
    requests = os.fdopen(os.dup(0), "rb")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.set_inheritable(3, False)
    replies = os.fdopen(3, "wb")

    def reply(line):
        replies.write(line.encode("utf-8") + b"\n")
        replies.flush()

    reply('{"type":"ready"}')
    handler = None
    function = {}
    for line in requests:
        if not line.strip():
            continue
        request = json.loads(line)
        kind = request.get("type")
        if kind == "load":
            function = request.get("function") or {}
            try:
                handler = load(request.get("handler") or "main.handler", request.get("env") or {})
            except Exception as error:
                reply(encode({"type": "load_error", "error": describe(error)}))
                sys.exit(1)
            reply('{"type":"loaded"}')
        elif kind == "invoke":
            if handler is None:
                sys.stderr.write("slipway bootstrap: invoke before load\n")
                sys.exit(70)
            reply(invoke(handler, function, request))


def load(setting, env):
    for key, value in env.items():
        os.environ[str(key)] = str(value)
    module_name, _, function_name = setting.rpartition(".")
    if not module_name or not function_name:
        raise ValueError("handler %r is not module.function (main.handler)" % setting)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name != module_name:
            raise
        path = module_name.replace(".", "/") + ".py"
        raise ModuleNotFoundError(
            "no module %s: %s is not among the function's files" % (module_name, path), name=module_name
        ) from None
    handler = getattr(module, function_name, None)
    if handler is None:
        raise AttributeError("module %s has no function %s" % (module_name, function_name))
    if not callable(handler):
        raise TypeError("%s.%s is not a function" % (module_name, function_name))
    if getattr(getattr(handler, "__code__", None), "co_flags", 0) & 0x80:  # CO_COROUTINE
        event_loop()
    return handler


_loop = None


def event_loop():
    """One event loop for the process, so that what a handler keeps between invocations (a client,
    a connection pool) stays bound to the loop that runs it next time."""
    global _loop
    if _loop is None:
        import asyncio

        _loop = asyncio.new_event_loop()
        asyncio.set_event_loop(_loop)
    return _loop


def invoke(handler, function, request):
    invocation_id = request.get("id")
    context = Context(function, invocation_id, request.get("deadlineMs") or 0)
    started = time.process_time()
    try:
        result = handler(request.get("event"), context)
        if isinstance(result, types.CoroutineType):
            result = event_loop().run_until_complete(result)
        try:
            body = '"ok":true,"result":' + encode(result)
        except (TypeError, ValueError, RecursionError) as error:
            message = "the handler's result is not JSON: %s" % error
            body = '"ok":false,"error":' + encode({"type": type(error).__name__, "message": message, "stack": ""})
    except Exception as error:
        body = '"ok":false,"error":' + encode(describe(error))
    cpu_ms = (time.process_time() - started) * 1000
    end_of_output(invocation_id)
    return '{"type":"result","id":%s,%s,"cpuMs":%.3f}' % (encode(invocation_id), body, cpu_ms)


def encode(value):
    """Strict JSON (no NaN, which JSON.parse refuses), compact, ASCII."""
    return json.dumps(value, allow_nan=False, separators=(",", ":"))


def end_of_output(invocation_id):
    """Flushes what the user printed, wherever sys.stdout now points, then marks the end of the
    invocation's output on the process's own stdout and stderr."""
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except Exception:
            pass
    marker = ("\x1eslipway:end:%s\x1e\n" % invocation_id).encode("utf-8")
    for fd in (1, 2):
        try:
            os.write(fd, marker)
        except OSError:
            pass


def describe(error):
    """The error shape of the protocol, with the traceback as Python prints it, less the frames of
    the bootstrap and of the import machinery, so that the user's files and lines are what it shows."""
    name = type(error).__name__
    try:
        import traceback

        frames = []
        tb = error.__traceback__
        while tb is not None:
            filename = tb.tb_frame.f_code.co_filename
            if not (filename == BOOTSTRAP_FILE or filename.startswith("<frozen ") or is_importlib(filename)):
                frames.append(tb)
            tb = tb.tb_next
        for frame, following in zip(frames, frames[1:] + [None]):
            frame.tb_next = following
        stack = "".join(traceback.format_exception(type(error), error, frames[0] if frames else None))
        return {"type": name, "message": str(error), "stack": stack.rstrip("\n")}
    except Exception:
        # Describing it failed too (out of memory, an unprintable error): its name has to do.
        return {"type": name, "message": safe_str(error), "stack": ""}


def is_importlib(filename):
    return os.path.basename(os.path.dirname(filename)) == "importlib"


def safe_str(error):
    try:
        return str(error)
    except Exception:
        return ""


if __name__ == "__main__":
    main()
