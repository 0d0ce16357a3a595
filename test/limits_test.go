package e2e_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"
)

var (
	serveHelpOnce sync.Once
	serveHelp     string
)

// requireFlags fails the test when the binary's `serve --help` does not list every flag named: a renamed flag must
// fail loudly, never turn the test into a skip.
func requireFlags(t *testing.T, flags ...string) {
	t.Helper()
	for _, f := range flags {
		if !hasFlag(f) {
			t.Fatalf("monhook serve has no %s flag; this test needs it", f)
		}
	}
}

// hasFlag reports whether `monhook serve --help` lists flag.
func hasFlag(flag string) bool {
	serveHelpOnce.Do(func() {
		out, _ := exec.Command(binary, "serve", "--help").CombinedOutput()
		serveHelp = string(out)
	})
	return strings.Contains(serveHelp, flag+" ")
}

// startWith starts `monhook serve` on a free loopback port with extra flags, and with the admin listener off when
// the binary has one, so parallel servers never contend for its fixed default port.
func startWith(t *testing.T, extra ...string) *server {
	t.Helper()
	return startOn(t, func(port int) (launchSpec, string) {
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		args := []string{"serve", "--listen", addr}
		if hasFlag("--admin-listen") {
			args = append(args, "--admin-listen", "")
		}
		return launchSpec{args: append(args, extra...)}, addr
	})
}

// invoke calls m with req on c's connection, with Cloudforet's metadata, within timeout; safe in any goroutine.
func invoke(c *client, m protoreflect.MethodDescriptor, req *dynamicpb.Message, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(outgoing(), timeout)
	defer cancel()
	return c.conn.Invoke(ctx, path(m), req, dynamicpb.NewMessage(m.Output()))
}

// nested is a JSON object nested depth levels deep, itself included.
func nested(depth int) string {
	return strings.Repeat(`{"x": `, depth-1) + `{}` + strings.Repeat(`}`, depth-1)
}

func TestMessageOverTheReceiveLimitIsResourceExhausted(t *testing.T) {
	t.Parallel()
	s := startWith(t, "--max-recv-msg-size", strconv.Itoa(1<<20))
	c := dial(t, s.addr)

	// 2 MiB of data: twice the server's limit, far under the client's, so the server is the one refusing it.
	blob := strings.Repeat("a", 2<<20)
	for method, req := range map[string]string{
		"Webhook.init":   `{"options": {"convert_data": {"additional_info": {"blob": "` + blob + `"}}}}`,
		"Webhook.verify": `{"options": {"convert_data": {"additional_info": {"blob": "` + blob + `"}}}}`,
		"Event.parse":    `{"options": {}, "data": {"event_key": "k", "title": "t", "blob": "` + blob + `"}}`,
	} {
		if e := c.mustFail(t, method, req); e.code != codes.ResourceExhausted {
			t.Errorf("%s with a 2 MiB request: %s, want ResourceExhausted", method, e)
		}
		// The same connection goes on serving.
		c.mustCall(t, "Webhook.verify", `{"options": {}}`)
	}
	// And so does the server, to a new connection, with a request just under the limit.
	under := strings.Repeat("a", 1<<20-1024)
	got := dial(t, s.addr).mustCall(t, "Event.parse", `{"options": {}, "data": {"event_key": "k", "title": "t", "description": "`+under+`"}}`)
	if results, _ := got["results"].([]any); len(results) != 1 {
		t.Errorf("parse just under the limit = %d results, want 1", len(results))
	}
}

func TestDataNestedBeyondTheLimitIsInvalid(t *testing.T) {
	t.Parallel()
	s := startWith(t)
	c := dial(t, s.addr)

	// A generic event whose additional_info holds an object nested to the depth given; the body is level 1.
	body := func(depth int) string {
		return `{"event_key": "k", "title": "t", "additional_info": {"deep": ` + nested(depth-2) + `}}`
	}
	e := c.mustFail(t, "Event.parse", `{"options": {}, "data": `+body(33)+`}`)
	if e.code != codes.InvalidArgument || e.errorCode != "ERROR_INVALID_PARAMETER" || !strings.Contains(e.message, "key = data") {
		t.Errorf("parse of data nested 33 levels: %s, want InvalidArgument ERROR_INVALID_PARAMETER naming data", e)
	}
	if !strings.Contains(e.message, "32") {
		t.Errorf("parse of data nested 33 levels: %q does not name the limit of 32 levels", e.message)
	}
	// Options nested too deep are refused by parse too, before its data is looked at.
	e = c.mustFail(t, "Event.parse", `{"options": {"convert_data": {"additional_info": {"x": `+nested(33)+`}}}, "data": `+body(3)+`}`)
	if e.code != codes.InvalidArgument || !strings.Contains(e.message, "key = options") {
		t.Errorf("parse with options nested past the limit: %s, want InvalidArgument naming options", e)
	}
	// At the limit the same body is read, so the refusal above is the depth's and not the shape's.
	got := c.mustCall(t, "Event.parse", `{"options": {}, "data": `+body(32)+`}`)
	if results, _ := got["results"].([]any); len(results) != 1 {
		t.Errorf("parse of data nested 32 levels = %s, want one event", show(got))
	}
}

func TestDataDepthLimitIsConfigurable(t *testing.T) {
	t.Parallel()
	requireFlags(t, "--max-nesting-depth")
	s := startWith(t, "--max-nesting-depth", "4")
	c := dial(t, s.addr)
	// {"additional_info": {"a": {"b": {}}}}: level 4, then 5.
	c.mustCall(t, "Event.parse", `{"options": {}, "data": {"event_key": "k", "title": "t", "additional_info": {"a": {"b": "c"}}}}`)
	e := c.mustFail(t, "Event.parse", `{"options": {}, "data": {"event_key": "k", "title": "t", "additional_info": {"a": {"b": {"c": {}}}}}}`)
	if e.code != codes.InvalidArgument || !strings.Contains(e.message, "key = data") {
		t.Errorf("data nested 5 levels over a limit of 4: %s, want InvalidArgument naming data", e)
	}
}

func TestIdleConnectionIsClosed(t *testing.T) {
	t.Parallel()
	requireFlags(t, "--max-connection-idle")
	s := startWith(t, "--max-connection-idle", "2s")
	c := dial(t, s.addr)
	c.mustCall(t, "Webhook.verify", `{"options": {}}`)

	// No call in flight now: the server sends GOAWAY after 2 s and the channel leaves READY.
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for st := c.conn.GetState(); st == connectivity.Ready; st = c.conn.GetState() {
		if !c.conn.WaitForStateChange(ctx, st) {
			t.Fatalf("an idle connection is still READY 15 s after a 2 s max-connection-idle")
		}
	}
	// The channel reconnects for the next call: closing idle connections costs the client nothing.
	c.mustCall(t, "Webhook.verify", `{"options": {}}`)
}

func TestSilentStreamIsCutByKeepalive(t *testing.T) {
	t.Parallel()
	requireFlags(t, "--keepalive-time", "--keepalive-timeout")
	s := startWith(t, "--keepalive-time", "1s", "--keepalive-timeout", "1s")

	// A client that opens a call and then says nothing, not even the acknowledgement of the server's pings,
	// as a hung peer does: grpc-go would answer pings by itself, so this client speaks HTTP/2 by hand.
	conn, err := net.DialTimeout("tcp", s.addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	var out bytes.Buffer
	out.WriteString("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
	writeFrame(&out, 0x4, 0, 0, nil) // SETTINGS, empty
	var block []byte
	for _, h := range [][2]string{{":method", "POST"}, {":scheme", "http"}, {":path", "/spaceone.api.monitoring.plugin.Webhook/verify"},
		{":authority", s.addr}, {"content-type", "application/grpc"}, {"te", "trailers"}, {"token", "NO_TOKEN"}} {
		block = append(block, hpackLiteral(h[0], h[1])...)
	}
	writeFrame(&out, 0x1, 0x4, 1, block) // HEADERS, END_HEADERS, stream 1, no END_STREAM: the request never comes
	if _, err := conn.Write(out.Bytes()); err != nil {
		t.Fatal(err)
	}

	// The server pings after 1 s of quiet and closes the connection 1 s later; 15 s bounds the wait.
	start := time.Now()
	_ = conn.SetReadDeadline(start.Add(15 * time.Second))
	_, err = io.Copy(io.Discard, conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server kept a silent stream's connection open for 15 s despite a 1 s keepalive")
	}
	t.Logf("silent connection closed after %s (%v)", time.Since(start).Round(100*time.Millisecond), err)

	// Cutting it cost the server nothing.
	dial(t, s.addr).mustCall(t, "Webhook.verify", `{"options": {}}`)
}

// writeFrame appends an HTTP/2 frame: 24-bit length, type, flags, 31-bit stream id, payload.
func writeFrame(w *bytes.Buffer, typ, flags byte, stream uint32, payload []byte) {
	n := len(payload)
	stream &= 0x7fffffff
	w.Write([]byte{byte(n >> 16), byte(n >> 8), byte(n), typ, flags,
		byte(stream >> 24), byte(stream >> 16), byte(stream >> 8), byte(stream)})
	w.Write(payload)
}

// hpackLiteral encodes a header as an HPACK literal without indexing, new name, no Huffman; both strings must be
// shorter than 127 bytes, so each length fits its 7-bit prefix.
func hpackLiteral(name, value string) []byte {
	b := []byte{0x00, byte(len(name))}
	b = append(b, name...)
	b = append(b, byte(len(value)))
	return append(b, value...)
}

func TestMaxConcurrentStreamsQueuesTheNextCall(t *testing.T) {
	t.Parallel()
	requireFlags(t, "--max-concurrent-streams")
	s := startWith(t, "--max-concurrent-streams", "2")
	c := dial(t, s.addr)
	verify := c.method(t, "Webhook.verify")

	// Two calls open whose requests are not sent: the connection's two streams are taken.
	ctx, cancel := context.WithTimeout(outgoing(), 20*time.Second)
	defer cancel()
	var open []grpc.ClientStream
	for range 2 {
		st, err := c.conn.NewStream(ctx, &grpc.StreamDesc{StreamName: string(verify.Name())}, path(verify))
		if err != nil {
			t.Fatalf("open %s: %v", path(verify), err)
		}
		open = append(open, st)
	}

	// The server tells every client its limit in its first SETTINGS frame; a client then queues a third call
	// until a stream comes free (what the rest of the test shows).
	if got, ok := serverSetting(t, s.addr, http2.SettingMaxConcurrentStreams); !ok || got != 2 {
		t.Fatalf("the server's SETTINGS_MAX_CONCURRENT_STREAMS = %d (sent %v), want 2", got, ok)
	}
	third := make(chan error, 1)
	req := request(t, verify, `{"options": {}}`)
	go func() { third <- invoke(c, verify, req, 15*time.Second) }()

	finish := func(st grpc.ClientStream) {
		t.Helper()
		if err := st.SendMsg(request(t, verify, `{"options": {}}`)); err != nil {
			t.Fatalf("send: %v", err)
		}
		if err := st.CloseSend(); err != nil {
			t.Fatalf("close send: %v", err)
		}
		if err := st.RecvMsg(dynamicpb.NewMessage(verify.Output())); err != nil {
			t.Fatalf("an open verify failed: %v", newCallError(err))
		}
	}
	finish(open[0])
	select {
	case err := <-third:
		if err != nil {
			t.Fatalf("the queued third call failed: %v", newCallError(err))
		}
	case <-time.After(callTimeout):
		t.Fatalf("the third call did not run within %s of a stream coming free", callTimeout)
	}
	finish(open[1])
}

// serverSetting reads the value the server announces for id in the SETTINGS frame it sends first on a new
// connection.
func serverSetting(t *testing.T, addr string, id http2.SettingID) (uint32, bool) {
	t.Helper()
	h := dialH2(t, addr)
	_ = h.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		f, err := h.fr.ReadFrame()
		if err != nil {
			t.Fatalf("reading the server's SETTINGS: %v", err)
		}
		if sf, ok := f.(*http2.SettingsFrame); ok && !sf.IsAck() {
			return sf.Value(id)
		}
	}
}

// localPort is the client-side port of the connection that carried a call: a new one means a new connection.
func localPort(t *testing.T, c *client, method string) int {
	t.Helper()
	var p peer.Peer
	ctx, cancel := context.WithTimeout(outgoing(), callTimeout)
	defer cancel()
	m := c.method(t, method)
	if err := c.conn.Invoke(ctx, path(m), request(t, m, `{"options": {}}`), dynamicpb.NewMessage(m.Output()), grpc.Peer(&p)); err != nil {
		t.Fatalf("%s: %v", method, newCallError(err))
	}
	return p.LocalAddr.(*net.TCPAddr).Port
}

func TestOldConnectionsAreReplacedAndTheirCallsFinish(t *testing.T) {
	t.Parallel()
	requireFlags(t, "--max-connection-age", "--max-connection-age-grace")
	// The idle limit far away, so only the age can end the connection.
	s := startWith(t, "--max-connection-age", "1s", "--max-connection-age-grace", "20s", "--max-connection-idle", "1h")
	c := dial(t, s.addr)
	first := localPort(t, c, "Webhook.verify")

	// A call open on the first connection whose request is sent only once that connection has been replaced.
	verify := c.method(t, "Webhook.verify")
	ctx, cancel := context.WithTimeout(outgoing(), 25*time.Second)
	defer cancel()
	inFlight, err := c.conn.NewStream(ctx, &grpc.StreamDesc{StreamName: string(verify.Name())}, path(verify))
	if err != nil {
		t.Fatalf("open %s: %v", path(verify), err)
	}

	// After 1 s (±10%) the server sends GOAWAY; the client's next calls go over a new connection.
	deadline := time.Now().Add(15 * time.Second)
	for localPort(t, c, "Webhook.verify") == first {
		if time.Now().After(deadline) {
			t.Fatalf("calls still go over the first connection 15 s after a 1 s max-connection-age")
		}
		time.Sleep(100 * time.Millisecond)
	}

	// The call that was in flight on the old connection still gets its answer, within the grace.
	if err := inFlight.SendMsg(request(t, verify, `{"options": {}}`)); err != nil {
		t.Fatalf("send the in-flight request: %v", err)
	}
	if err := inFlight.CloseSend(); err != nil {
		t.Fatal(err)
	}
	if err := inFlight.RecvMsg(dynamicpb.NewMessage(verify.Output())); err != nil {
		t.Fatalf("the call in flight when its connection got old failed: %v", newCallError(err))
	}
}

func TestACallPastTheConnectionAgeGraceIsCut(t *testing.T) {
	t.Parallel()
	requireFlags(t, "--max-connection-age", "--max-connection-age-grace")
	// call_timeout far away, so only the age and its grace can end the call.
	s := startWith(t, "--max-connection-age", "1s", "--max-connection-age-grace", "1s", "--call-timeout", "1m")
	c := dial(t, s.addr)
	verify := c.method(t, "Webhook.verify")
	ctx, cancel := context.WithTimeout(outgoing(), 30*time.Second)
	defer cancel()
	stream, err := c.conn.NewStream(ctx, &grpc.StreamDesc{StreamName: string(verify.Name())}, path(verify))
	if err != nil {
		t.Fatalf("open %s: %v", path(verify), err)
	}
	// The request never comes: the connection is closed about 2 s in, and the call with it.
	start := time.Now()
	err = stream.RecvMsg(dynamicpb.NewMessage(verify.Output()))
	if code := status.Code(err); code != codes.Unavailable {
		t.Fatalf("a call held past max-connection-age + grace ended with %v (%v), want UNAVAILABLE", code, err)
	}
	if took := time.Since(start); took > 15*time.Second {
		t.Errorf("the call was cut after %s, want about 2 s", took)
	}
	// The server serves on.
	dial(t, s.addr).mustCall(t, "Webhook.verify", `{"options": {}}`)
}
