package e2e_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jhump/protoreflect/grpcreflect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	reflectionv1alpha "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"
)

const (
	// maxMessage is what Cloudforet's SpaceConnector allows both ways on a plugin channel.
	maxMessage = 256 << 20
	// channelReadyTimeout is how long Cloudforet's client waits for a new channel to become ready.
	channelReadyTimeout = 3 * time.Second
	// callTimeout bounds every call a test makes, including reflection.
	callTimeout = 10 * time.Second
	// traceparent is the W3C trace context some calls carry, as Cloudforet sends it.
	traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	// traceID is traceparent's trace id, which the server's log line for the call must name.
	traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
)

// client talks to a plugin the way Cloudforet's Python client does: it knows no stubs, learns every service and
// message type from v1alpha reflection, builds requests from JSON and reads answers as JSON with proto field names.
type client struct {
	conn     *grpc.ClientConn
	services []string
	methods  map[string]protoreflect.MethodDescriptor // by short name, "Webhook.init", as Cloudforet names them
}

// dial connects to addr, waits for the channel to be ready, and learns every service by reflection; the
// connection is closed when the test ends.
func dial(t *testing.T, addr string) *client {
	t.Helper()
	c, err := connect(addr)
	if err != nil {
		t.Fatalf("connect to %s: %v", addr, err)
	}
	t.Cleanup(func() { c.conn.Close() })
	return c
}

// connect does dial's work and returns its failure instead of failing a test.
func connect(addr string) (*client, error) {
	conn, err := grpc.NewClient(addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMessage), grpc.MaxCallSendMsgSize(maxMessage)))
	if err != nil {
		return nil, err
	}
	c := &client{conn: conn, methods: map[string]protoreflect.MethodDescriptor{}}
	if err := c.learn(); err != nil {
		conn.Close()
		return nil, err
	}
	return c, nil
}

// learn waits for the channel like grpc.channel_ready_future, then resolves every listed service over v1alpha.
func (c *client) learn() error {
	ready, cancel := context.WithTimeout(context.Background(), channelReadyTimeout)
	defer cancel()
	c.conn.Connect()
	for s := c.conn.GetState(); s != connectivity.Ready; s = c.conn.GetState() {
		if !c.conn.WaitForStateChange(ready, s) {
			return fmt.Errorf("channel not ready within %s (state %s)", channelReadyTimeout, s)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	// v1alpha only, as Cloudforet: a server without it is unusable to Cloudforet, so it must fail here too.
	refl := grpcreflect.NewClientV1Alpha(ctx, reflectionv1alpha.NewServerReflectionClient(c.conn))
	defer refl.Reset()
	names, err := refl.ListServices()
	if err != nil {
		return fmt.Errorf("reflection v1alpha: list services: %w", err)
	}
	c.services = names
	for _, full := range names {
		if strings.HasPrefix(full, "grpc.reflection.") {
			continue // bidirectional streams, spoken to through grpcreflect above
		}
		sd, err := refl.ResolveService(full)
		if err != nil {
			return fmt.Errorf("reflection v1alpha: resolve %s: %w", full, err)
		}
		svc := sd.UnwrapService()
		for i := range svc.Methods().Len() {
			m := svc.Methods().Get(i)
			if m.IsStreamingClient() {
				continue // nothing Cloudforet calls on a plugin streams requests
			}
			c.methods[string(svc.Name())+"."+string(m.Name())] = m
		}
	}
	return nil
}

// method returns the descriptor of a method by short name ("Webhook.init"), failing the test if it is not offered.
func (c *client) method(t *testing.T, name string) protoreflect.MethodDescriptor {
	t.Helper()
	m, ok := c.methods[name]
	if !ok {
		t.Fatalf("method %s not offered; the server offers %v", name, c.methodNames())
	}
	return m
}

// methodNames lists the short names of every callable method, sorted.
func (c *client) methodNames() []string {
	out := make([]string, 0, len(c.methods))
	for name := range c.methods {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// path is the HTTP/2 path of m: "/<full service>/<method>", with the method's lower-case proto name.
func path(m protoreflect.MethodDescriptor) string {
	return "/" + string(m.Parent().FullName()) + "/" + string(m.Name())
}

// callOpts are the per-call extras a test can ask for.
type callOpts struct {
	traceparent string
	grpc        []grpc.CallOption // e.g. a compressor
}

// call invokes a unary method by short name with a request parsed from reqJSON, sending `token: NO_TOKEN` (and a
// traceparent when asked). It returns the answer as Cloudforet reads it, or a *callError for an RPC error.
func (c *client) call(t *testing.T, method, reqJSON string, opts ...callOpts) (map[string]any, error) {
	t.Helper()
	m := c.method(t, method)
	req := request(t, m, reqJSON)
	out := dynamicpb.NewMessage(m.Output())
	ctx, cancel := context.WithTimeout(outgoing(opts...), callTimeout)
	defer cancel()
	var callOptions []grpc.CallOption
	for _, o := range opts {
		callOptions = append(callOptions, o.grpc...)
	}
	if err := c.conn.Invoke(ctx, path(m), req, out, callOptions...); err != nil {
		return nil, newCallError(err)
	}
	return asJSON(t, out), nil
}

// mustCall is call for a call that must succeed.
func (c *client) mustCall(t *testing.T, method, reqJSON string, opts ...callOpts) map[string]any {
	t.Helper()
	got, err := c.call(t, method, reqJSON, opts...)
	if err != nil {
		t.Fatalf("%s %s: %v", method, abbreviate(reqJSON), err)
	}
	return got
}

// mustFail is call for a call that must fail with an RPC status.
func (c *client) mustFail(t *testing.T, method, reqJSON string, opts ...callOpts) *callError {
	t.Helper()
	got, err := c.call(t, method, reqJSON, opts...)
	if err == nil {
		t.Fatalf("%s %s = %v, want an error", method, abbreviate(reqJSON), got)
	}
	var ce *callError
	if !errors.As(err, &ce) {
		t.Fatalf("%s %s: error %v, want an RPC status", method, abbreviate(reqJSON), err)
	}
	return ce
}

// outgoing is a context carrying the metadata Cloudforet sends with every plugin call.
func outgoing(opts ...callOpts) context.Context {
	kv := []string{"token", "NO_TOKEN"}
	for _, o := range opts {
		if o.traceparent != "" {
			kv = append(kv, "traceparent", o.traceparent)
		}
	}
	return metadata.AppendToOutgoingContext(context.Background(), kv...)
}

// request builds m's input message from JSON strictly, like Python's json_format.ParseDict.
func request(t *testing.T, m protoreflect.MethodDescriptor, reqJSON string) *dynamicpb.Message {
	t.Helper()
	req := dynamicpb.NewMessage(m.Input())
	if err := protojson.Unmarshal([]byte(reqJSON), req); err != nil {
		t.Fatalf("build %s from %s: %v", m.Input().FullName(), abbreviate(reqJSON), err)
	}
	return req
}

// asJSON renders msg like MessageToDict(preserving_proto_field_name=True) and decodes it for comparison.
func asJSON(t *testing.T, msg *dynamicpb.Message) map[string]any {
	t.Helper()
	b, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(msg)
	if err != nil {
		t.Fatalf("render %s: %v", msg.Descriptor().FullName(), err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return out
}

// callError is an RPC error split the way Cloudforet splits it.
type callError struct {
	code      codes.Code
	details   string // the status message as sent
	errorCode string // the text before the first ':' when details start with "ERROR_", else ""
	message   string // the text after that ':', trimmed; all of details otherwise
	status    *status.Status
}

func newCallError(err error) *callError {
	st := status.Convert(err)
	e := &callError{code: st.Code(), details: st.Message(), message: st.Message(), status: st}
	if strings.HasPrefix(e.details, "ERROR_") {
		head, tail, found := strings.Cut(e.details, ":")
		e.errorCode = strings.TrimSpace(head)
		if found {
			e.message = strings.TrimSpace(tail)
		}
	}
	return e
}

func (e *callError) Error() string {
	return e.code.String() + ": " + abbreviate(e.details)
}

// badRequestFields returns the fields of the google.rpc.BadRequest among the status details, or nil if none.
func (e *callError) badRequestFields() []string {
	for _, d := range e.status.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			fields := make([]string, 0, len(br.GetFieldViolations()))
			for _, v := range br.GetFieldViolations() {
				fields = append(fields, v.GetField())
			}
			return fields
		}
	}
	return nil
}

// abbreviate keeps failure messages readable when a request or an answer is megabytes long.
func abbreviate(s string) string {
	const limit = 300
	if len(s) <= limit {
		return s
	}
	return fmt.Sprintf("%s...(%d bytes)", s[:limit], len(s))
}

// TestClientSplitsErrorsLikeCloudforet pins the error splitting the other tests rely on, since the tests read
// every failure through it.
func TestClientSplitsErrorsLikeCloudforet(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		details, code, message string
	}{
		{"ERROR_REQUIRED_PARAMETER: Required parameter. (key = options)", "ERROR_REQUIRED_PARAMETER", "Required parameter. (key = options)"},
		{"ERROR_X:  a: b ", "ERROR_X", "a: b"},
		{"ERROR_NO_COLON", "ERROR_NO_COLON", "ERROR_NO_COLON"},
		{"plain failure: x", "", "plain failure: x"},
	} {
		e := newCallError(status.Error(codes.InvalidArgument, tc.details))
		if e.code != codes.InvalidArgument || e.details != tc.details || e.errorCode != tc.code || e.message != tc.message {
			t.Errorf("split %q = (%s, %q, %q, %q), want (InvalidArgument, %q, %q, %q)",
				tc.details, e.code, e.details, e.errorCode, e.message, tc.details, tc.code, tc.message)
		}
	}
	if e := newCallError(errors.New("not a status")); e.code != codes.Unknown {
		t.Errorf("a non-status error has code %s, want Unknown", e.code)
	}
}
