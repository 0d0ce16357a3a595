package grpc

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding"
	protocodec "google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/tap"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/monhook/monhook/adapters/cloudforet"
	"github.com/monhook/monhook/domain/option"
)

// Expansion is the most a request grows once decoded: a body of empty objects ({} is 4 bytes on the wire) takes
// about 47 times its size as protobuf Structs and then plain maps (measured by TestExpansionIsBounded), and the
// answer built from it adds more. Admission counts every request at this many times its wire size, so the budget
// bounds what requests in flight can hold.
const Expansion = 64

// admission admits plugin requests against a budget of memory before they are decoded: grpc-go has read a
// message's bytes by then, but decoding it, the costly part, has not begun. A request that finds no room within
// the wait is refused with RESOURCE_EXHAUSTED instead of taking memory the process does not have.
type admission struct {
	sem    *semaphore.Weighted
	budget int64
	wait   time.Duration
}

func newAdmission(budget int64, wait time.Duration) *admission {
	return &admission{sem: semaphore.NewWeighted(budget), budget: budget, wait: wait}
}

// weight is what a request of n wire bytes is counted at: Expansion times n.
func (a *admission) weight(n int) int64 { return int64(n) * Expansion }

// admit waits up to the admission wait for room for a request of n wire bytes and returns it, to be released when
// the request is done. A request the whole budget cannot hold is refused at once: decoding it could take more
// memory than the process has.
func (a *admission) admit(n int) (*admitted, error) {
	w := a.weight(n)
	if w > a.budget {
		return nil, cloudforet.Newf(codes.ResourceExhausted, cloudforet.CodeExhausted,
			"A request of %d bytes could take %d bytes once decoded, more than the plugin's memory budget of %d bytes (half its memory_limit). Send smaller bodies, or give the plugin more memory.",
			n, w, a.budget)
	}
	if !a.sem.TryAcquire(w) {
		ctx, cancel := context.WithTimeout(context.Background(), a.wait)
		defer cancel()
		if err := a.sem.Acquire(ctx, w); err != nil {
			return nil, cloudforet.Newf(codes.ResourceExhausted, cloudforet.CodeExhausted,
				"The plugin is busy: a request of %d bytes found no room in its memory budget of %d bytes within %s. Retry later.",
				n, a.budget, a.wait)
		}
	}
	return &admitted{sem: a.sem, weight: w}, nil
}

// admitted is a request's room in the admission budget, and what the codec kept of the request for its handler:
// the webhook body when it read the body directly (nil otherwise).
type admitted struct {
	sem      *semaphore.Weighted // nil for a request admission does not apply to
	weight   int64
	released atomic.Bool
	doc      map[string]any
}

// release gives the room back; only the first call does.
func (a *admitted) release() {
	if a.sem != nil && a.released.CompareAndSwap(false, true) {
		a.sem.Release(a.weight)
	}
}

// codec is grpc-go's protobuf codec with two changes for plugin requests. It admits each against the memory
// budget before decoding it. And a request that cannot be decoded (garbage, invalid UTF-8, nesting past the
// recursion limit) or admitted is not an error here, which grpc-go would answer as INTERNAL: the outcome is kept
// for the unary interceptor, which answers it with the documented code and text.
type codec struct {
	base      encoding.CodecV2
	admission *admission
	decode    proto.UnmarshalOptions
	pending   sync.Map // request message → admitted (*admitted) or refused (error)
	maxDepth  int
	data      Limits // of the webhook body, read directly when it is within them (document.go)
	// requests are the plugin requests, by message name: the only messages admission and the deferred decoding
	// apply to (health and reflection messages are small and decoded as grpc-go does). Each maps to the number
	// of its webhook body's field, or 0.
	requests map[protoreflect.FullName]protowire.Number
}

func newCodec(a *admission, maxDepth int, data Limits, requests map[protoreflect.FullName]protowire.Number) *codec {
	return &codec{
		base:      encoding.GetCodecV2(protocodec.Name),
		admission: a,
		requests:  requests,
		data:      data,
		// A Struct level is three protobuf levels (Struct, map entry, Value). Twice as deep as the depth limits
		// allow is refused by protobuf itself, before it is built; anything less gets the exact check, which
		// names the field.
		decode:   proto.UnmarshalOptions{RecursionLimit: 6*maxDepth + 8},
		maxDepth: maxDepth,
	}
}

func (c *codec) Name() string { return c.base.Name() }

func (c *codec) Marshal(v any) (mem.BufferSlice, error) { return c.base.Marshal(v) }

func (c *codec) Unmarshal(data mem.BufferSlice, v any) error {
	m, ok := v.(proto.Message)
	if !ok {
		return c.base.Unmarshal(data, v)
	}
	docField, ok := c.requests[m.ProtoReflect().Descriptor().FullName()]
	if !ok {
		return c.base.Unmarshal(data, v)
	}
	a, err := c.admission.admit(data.Len())
	if err != nil {
		c.pending.Store(v, err)
		return nil
	}
	buf := data.MaterializeToBuffer(mem.DefaultBufferPool())
	defer buf.Free()
	if doc, ok := c.readDirectly(buf.ReadOnlyData(), docField, m); ok {
		a.doc = doc
		c.pending.Store(v, a)
		return nil
	}
	if err := c.decode.Unmarshal(buf.ReadOnlyData(), m); err != nil {
		a.release()
		c.pending.Store(v, c.undecodable(m, err))
		return nil
	}
	c.pending.Store(v, a)
	return nil
}

// readDirectly decodes the request b into m without its webhook body, field num, which it reads straight into
// the map the use case takes (document.go). ok is false, and m untouched, when it cannot: no body field, a body
// over the data limits or not plainly encoded, or a request protobuf must judge; protobuf then decodes it all.
func (c *codec) readDirectly(b []byte, num protowire.Number, m proto.Message) (doc map[string]any, ok bool) {
	if num == 0 {
		return nil, false
	}
	before, field, after, ok := splitField(b, num)
	if !ok || len(field) > c.data.MaxSize {
		return nil, false
	}
	doc, ok = decodeDocument(field, c.data.MaxDepth)
	if !ok {
		return nil, false
	}
	// Each side of the body is a message encoding of its own; decoding both into m, merged, is decoding the
	// request without its body.
	merge := c.decode
	merge.Merge = true
	if merge.Unmarshal(before, m) != nil || merge.Unmarshal(after, m) != nil {
		proto.Reset(m)
		return nil, false
	}
	return doc, true
}

// undecodable spells a request protobuf refused as the INVALID_ARGUMENT a bad field gets.
func (c *codec) undecodable(m proto.Message, err error) error {
	reason := fmt.Sprintf("it is not a valid %s message: %s", m.ProtoReflect().Descriptor().FullName(), cloudforet.Clip(err.Error()))
	// protobuf does not export its recursion-limit error; its text is stable.
	if strings.Contains(err.Error(), "exceeded maximum recursion depth") {
		reason = fmt.Sprintf("nests deeper than %d levels", c.maxDepth)
	}
	return &option.Error{Violations: []option.Violation{{Kind: option.Invalid, Key: "request", Reason: reason}}}
}

// settle takes what the codec kept for req: its admission, or the error to answer it with.
func (c *codec) settle(req any) (*admitted, error) {
	v, ok := c.pending.LoadAndDelete(req)
	if !ok {
		return &admitted{}, nil
	}
	switch x := v.(type) {
	case *admitted:
		return x, nil
	case error:
		return nil, x
	}
	return &admitted{}, nil
}

// interceptor answers what the codec kept for a request, and holds the request's admission until its handler
// returns. It also ends the call's deadline (set by the tap) when the call ends, so its timer is freed at once.
func (c *codec) interceptor(log *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if cancel, ok := ctx.Value(deadlineKey{}).(context.CancelFunc); ok {
			defer cancel()
		}
		a, err := c.settle(req)
		if err != nil {
			return nil, cloudforet.Status(log, err)
		}
		defer a.release()
		if a.doc != nil {
			ctx = withDocument(ctx, a.doc)
		}
		return handler(ctx, req)
	}
}

// deadlineKey holds, in a call's context, the cancel function of the deadline callDeadline set.
type deadlineKey struct{}

// streams are the methods that stay open by design and get no deadline: health watches and reflection.
var streams = map[string]bool{
	"/grpc.health.v1.Health/Watch":                                   true,
	"/grpc.reflection.v1.ServerReflection/ServerReflectionInfo":      true,
	"/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo": true,
}

// callDeadline gives every call but the streams a deadline of timeout from its first byte (or the caller's, when
// earlier), so a request whose message never finishes arriving is cut off and its buffers freed, and a call
// cannot outlast it. A caller's deadline that ends first needs no second one: grpc-go already closes the stream
// when it passes.
func callDeadline(timeout time.Duration) tap.ServerInHandle {
	return func(ctx context.Context, info *tap.Info) (context.Context, error) {
		if streams[info.FullMethodName] {
			return ctx, nil
		}
		if d, ok := ctx.Deadline(); ok && time.Until(d) <= timeout {
			return ctx, nil
		}
		ctx, cancel := context.WithTimeout(ctx, timeout)
		return context.WithValue(ctx, deadlineKey{}, cancel), nil
	}
}
