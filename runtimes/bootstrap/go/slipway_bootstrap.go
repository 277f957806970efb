// Slipway's Go bootstrap: compiled into the user's `package main` (which defines Handle), it speaks
// the protocol of runtimes/README.md. Every name it declares at package level starts with
// `slipway` or `Slipway`, so that it does not collide with the user's own.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"runtime/debug"
	"strings"
	"syscall"
	"time"
)

// SlipwayContext is what a handler can learn about its invocation, besides the deadline that its
// context.Context carries: `info, _ := SlipwayContextFrom(ctx)`.
type SlipwayContext struct {
	FunctionName    string
	FunctionVersion int
	InvocationID    string
	MemoryLimitMb   int
}

type slipwayContextKey struct{}

// SlipwayContextFrom returns the invocation's details from the context Handle was given.
func SlipwayContextFrom(ctx context.Context) (SlipwayContext, bool) {
	info, ok := ctx.Value(slipwayContextKey{}).(SlipwayContext)
	return info, ok
}

type slipwayRequest struct {
	Type     string            `json:"type"`
	Handler  string            `json:"handler"`
	Env      map[string]string `json:"env"`
	Function struct {
		Name     string `json:"name"`
		Version  int    `json:"version"`
		MemoryMb int    `json:"memoryMb"`
	} `json:"function"`
	ID         string          `json:"id"`
	Event      json.RawMessage `json:"event"`
	DeadlineMs int64           `json:"deadlineMs"`
}

type slipwayResult struct {
	Type   string          `json:"type"`
	ID     string          `json:"id"`
	OK     bool            `json:"ok"`
	Result json.RawMessage `json:"result,omitempty"`
	Error  *slipwayError   `json:"error,omitempty"`
	CPUMs  float64         `json:"cpuMs"`
}

type slipwayError struct {
	Type    string `json:"type"`
	Message string `json:"message"`
	Stack   string `json:"stack"`
}

var (
	slipwayContextType = reflect.TypeOf((*context.Context)(nil)).Elem()
	slipwayErrorType   = reflect.TypeOf((*error)(nil)).Elem()
	// The process's own stdout and stderr, kept in case the user's code replaces os.Stdout.
	slipwayStdout = os.Stdout
	slipwayStderr = os.Stderr
)

// slipwayHandler is Handle, checked once: whether it takes a context and an event (and of which
// type), and whether it returns a value and an error.
type slipwayHandler struct {
	fn                       reflect.Value
	takesContext, takesEvent bool
	eventType                reflect.Type
	returnsValue, returnsErr bool
}

func slipwayCheckHandler(handle any) (*slipwayHandler, error) {
	fn := reflect.ValueOf(handle)
	t := fn.Type()
	if t.Kind() != reflect.Func {
		return nil, fmt.Errorf("Handle must be a function, not %s", t)
	}
	h := &slipwayHandler{fn: fn}
	in := 0
	if t.NumIn() > in && t.In(in) == slipwayContextType {
		h.takesContext = true
		in++
	}
	if t.NumIn() > in {
		h.takesEvent = true
		h.eventType = t.In(in)
		in++
	}
	out := t.NumOut()
	if out > 0 && t.Out(out-1) == slipwayErrorType {
		h.returnsErr = true
		out--
	}
	if out == 1 {
		h.returnsValue = true
		out--
	}
	if in != t.NumIn() || out != 0 || t.IsVariadic() {
		return nil, fmt.Errorf("Handle has the type %s; want func(context.Context, T) (any, error)", t)
	}
	return h, nil
}

func main() {
	// Requests come on fd 0; the user's code gets /dev/null as its stdin, so that it cannot read them.
	requestFd, err := syscall.Dup(0)
	if err != nil {
		slipwayFatal("cannot take stdin", err)
	}
	syscall.CloseOnExec(requestFd)
	if null, err := syscall.Open(os.DevNull, syscall.O_RDONLY, 0); err == nil {
		_ = syscall.Dup2(null, 0)
		_ = syscall.Close(null)
	}
	requests := bufio.NewReaderSize(os.NewFile(uintptr(requestFd), "requests"), 64*1024)
	syscall.CloseOnExec(3)
	replies := os.NewFile(3, "replies")

	slipwayReply(replies, map[string]string{"type": "ready"})
	var handler *slipwayHandler
	var function SlipwayContext
	for {
		line, err := requests.ReadBytes('\n')
		if len(strings.TrimSpace(string(line))) == 0 {
			if err != nil {
				if err != io.EOF {
					slipwayFatal("cannot read requests", err)
				}
				os.Exit(0)
			}
			continue
		}
		var request slipwayRequest
		if err := json.Unmarshal(line, &request); err != nil {
			slipwayFatal("unreadable request", err)
		}
		switch request.Type {
		case "load":
			for key, value := range request.Env {
				_ = os.Setenv(key, value)
			}
			function = SlipwayContext{
				FunctionName:    request.Function.Name,
				FunctionVersion: request.Function.Version,
				MemoryLimitMb:   request.Function.MemoryMb,
			}
			h, err := slipwayCheckHandler(Handle)
			if err != nil {
				slipwayReply(replies, map[string]any{
					"type":  "load_error",
					"error": slipwayError{Type: "InvalidHandler", Message: err.Error()},
				})
				os.Exit(1)
			}
			handler = h
			slipwayReply(replies, map[string]string{"type": "loaded"})
		case "invoke":
			if handler == nil {
				slipwayFatal("invoke before load", nil)
			}
			info := function
			info.InvocationID = request.ID
			slipwayInvoke(replies, handler, info, &request)
		}
	}
}

func slipwayInvoke(replies *os.File, h *slipwayHandler, info SlipwayContext, request *slipwayRequest) {
	started := slipwayCPUMs()
	result, failure := slipwayCall(h, info, request)
	var encoded []byte
	if failure == nil {
		var err error
		if encoded, err = json.Marshal(result); err != nil {
			failure = &slipwayError{
				Type:    slipwayTypeName(err),
				Message: "the handler's result is not JSON: " + err.Error(),
			}
		}
	}
	reply := slipwayResult{Type: "result", ID: request.ID, OK: failure == nil, Error: failure}
	if failure == nil {
		reply.Result = encoded
	}
	reply.CPUMs = math.Round((slipwayCPUMs()-started)*1000) / 1000
	// os.Stdout and os.Stderr are unbuffered: what the handler printed is out already.
	marker := "\x1eslipway:end:" + request.ID + "\x1e\n"
	_, _ = io.WriteString(slipwayStdout, marker)
	_, _ = io.WriteString(slipwayStderr, marker)
	slipwayReply(replies, reply)
}

// slipwayCall runs Handle with the decoded event, a panic included.
func slipwayCall(h *slipwayHandler, info SlipwayContext, request *slipwayRequest) (result any, failure *slipwayError) {
	ctx, cancel := context.WithDeadline(
		context.WithValue(context.Background(), slipwayContextKey{}, info),
		time.UnixMilli(request.DeadlineMs),
	)
	defer cancel()
	var args []reflect.Value
	if h.takesContext {
		args = append(args, reflect.ValueOf(ctx))
	}
	if h.takesEvent {
		event := reflect.New(h.eventType)
		raw := request.Event
		if len(raw) == 0 {
			raw = json.RawMessage("null")
		}
		if err := json.Unmarshal(raw, event.Interface()); err != nil {
			return nil, &slipwayError{
				Type:    slipwayTypeName(err),
				Message: fmt.Sprintf("the event does not decode into %s: %s", h.eventType, err),
			}
		}
		args = append(args, event.Elem())
	}
	defer func() {
		if value := recover(); value != nil {
			failure = &slipwayError{Type: "panic", Message: fmt.Sprint(value), Stack: slipwayPanicStack(value)}
		}
	}()
	out := h.fn.Call(args)
	if h.returnsErr {
		if err, _ := out[len(out)-1].Interface().(error); err != nil {
			return nil, &slipwayError{Type: slipwayTypeName(err), Message: err.Error()}
		}
	}
	if h.returnsValue {
		return out[0].Interface(), nil
	}
	return nil, nil
}

// slipwayPanicStack is the goroutine's trace as Go prints an unrecovered panic, from the frame that
// panicked to Handle: the user's files and lines, without the bootstrap's frames around them.
func slipwayPanicStack(value any) string {
	lines := strings.Split(strings.TrimRight(string(debug.Stack()), "\n"), "\n")
	var frames []string
	for i := 1; i < len(lines); i++ {
		if strings.HasPrefix(lines[i], "panic(") {
			// Everything so far is the recovery's own frames; the next line is panic's file.
			frames = frames[:0]
			i++
			continue
		}
		if strings.HasPrefix(lines[i], "reflect.Value.") {
			// What called Handle is the bootstrap.
			break
		}
		frames = append(frames, lines[i])
	}
	return fmt.Sprintf("panic: %v\n\n%s\n%s", value, lines[0], strings.Join(frames, "\n"))
}

func slipwayTypeName(err error) string {
	return strings.TrimPrefix(fmt.Sprintf("%T", err), "*")
}

func slipwayCPUMs() float64 {
	var usage syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &usage) != nil {
		return 0
	}
	return float64(usage.Utime.Nano()+usage.Stime.Nano()) / 1e6
}

func slipwayReply(replies *os.File, message any) {
	line, err := json.Marshal(message)
	if err != nil {
		slipwayFatal("cannot encode a reply", err)
	}
	if _, err := replies.Write(append(line, '\n')); err != nil {
		slipwayFatal("cannot write a reply", err)
	}
}

func slipwayFatal(what string, err error) {
	if err != nil {
		fmt.Fprintf(slipwayStderr, "slipway bootstrap: %s: %v\n", what, err)
	} else {
		fmt.Fprintf(slipwayStderr, "slipway bootstrap: %s\n", what)
	}
	os.Exit(70)
}
