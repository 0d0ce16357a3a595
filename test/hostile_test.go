package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding/gzip"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// The hostile-traffic tests: each sends what an attacker would, over a real connection to the built binary, and
// checks the documented refusal, that the server stays SERVING, and (for those that used to exhaust memory) that
// the process's peak RSS stayed small. The heaviest run under `make attack` (attack_test.go).

// peakRSS is the process's peak resident set in bytes (VmHWM), read from /proc.
func (p *proc) peakRSS(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		t.Fatalf("read the server's /proc status: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("VmHWM %q: %v", rest, err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in the server's /proc status")
	return 0
}

// requireRSSBelow fails when the server's peak RSS passed limit.
func (p *proc) requireRSSBelow(t *testing.T, limit int64) {
	t.Helper()
	if rss := p.peakRSS(t); rss > limit {
		t.Errorf("peak RSS %d MiB, want under %d MiB", rss>>20, limit>>20)
	} else {
		t.Logf("peak RSS %d MiB (limit %d MiB)", rss>>20, limit>>20)
	}
}

// requireServing fails unless the server still answers SERVING.
func (s *server) requireServing(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if st, err := healthCheck(ctx, s.addr, ""); err != nil || st != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health after the attack: %v, %v; want SERVING", st, err)
	}
}

// wantRefusal checks a call failed with code and details starting with prefix, and that its status is small.
func wantRefusal(t *testing.T, err error, code codes.Code, prefix string) {
	t.Helper()
	st := status.Convert(err)
	var ce *callError
	if errors.As(err, &ce) {
		st = ce.status
	}
	if st.Code() != code || !strings.HasPrefix(st.Message(), prefix) {
		t.Fatalf("got %v %q, want %v %q…", st.Code(), abbreviate(st.Message()), code, prefix)
	}
	if n := len(st.Proto().String()); n > 4096 {
		t.Errorf("the status is %d bytes; an error must not echo what it refuses", n)
	}
}

// amBody is an Alertmanager body of n alerts, each copying the body's externalURL of urlBytes.
func amBody(n, urlBytes int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"version": "4", "groupKey": "g", "status": "firing", "receiver": "r", "externalURL": "http://%s", "alerts": [`,
		strings.Repeat("a", urlBytes))
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"status": "firing", "labels": {"alertname": "a%d"}, "fingerprint": "f%d", "startsAt": "2024-01-01T00:00:00Z"}`, i, i)
	}
	b.WriteString("]}")
	return b.String()
}

func parseReq(options, data string) string {
	return `{"options": ` + options + `, "data": ` + data + `}`
}

func TestBodyLevelFieldsCopiedIntoEveryEventAreHeldToTheAnswerBudget(t *testing.T) {
	t.Parallel()
	s := startWith(t)
	c := dial(t, s.addr)
	// 1,000 alerts × a 1 MiB externalURL: a 1 GiB answer, once built whole before the budget. Each event is over
	// max_event_bytes already.
	_, err := c.call(t, "Event.parse", parseReq(`{}`, amBody(1000, 1<<20)))
	wantRefusal(t, err, codes.InvalidArgument, "ERROR_LIMIT_EXCEEDED: The answer would pass the plugin's max_event_bytes of 1048576: event 1 is")
	// 1,000 alerts × 512 KiB: each event fits, the answer does not.
	_, err = c.call(t, "Event.parse", parseReq(`{}`, amBody(1000, 512<<10)))
	wantRefusal(t, err, codes.InvalidArgument, "ERROR_LIMIT_EXCEEDED: The answer would pass the plugin's max_answer_bytes of 16777216")
	// 4,000 alerts: more events than max_events, refused before one is read.
	_, err = c.call(t, "Event.parse", parseReq(`{}`, amBody(4000, 1<<10)))
	wantRefusal(t, err, codes.InvalidArgument, "ERROR_LIMIT_EXCEEDED: The answer would pass the plugin's max_events of 1000")
	s.requireServing(t)
	s.requireRSSBelow(t, 400<<20)
}

func TestTemplatesAndKeyFieldsAreHeldToMaxTextBytes(t *testing.T) {
	t.Parallel()
	s := startWith(t)
	c := dial(t, s.addr)
	body := amBody(1000, 256<<10)
	// A title that repeats a 256 KiB field: refused at the first alert, not rendered 1,000 times.
	_, err := c.call(t, "Event.parse", parseReq(`{"convert_data": {"title": "{{ externalURL }}{{ externalURL }}"}}`, body))
	wantRefusal(t, err, codes.InvalidArgument, "ERROR_LIMIT_EXCEEDED: The answer would pass the plugin's max_text_bytes of 65536: options.convert_data.title")
	// event_key_fields over the whole alerts list: refused once, never hashed once per alert.
	start := time.Now()
	_, err = c.call(t, "Event.parse", parseReq(`{"event_key_fields": ["alerts"]}`, amBody(1000, 10)))
	wantRefusal(t, err, codes.InvalidArgument, "ERROR_LIMIT_EXCEEDED: The answer would pass the plugin's max_text_bytes of 65536: options.event_key_fields")
	t.Logf("event_key_fields over 1,000 alerts refused in %s", time.Since(start).Round(time.Millisecond))
	// A body-level field under the limit is hashed once for all 1,000 alerts, and every alert gets the same key.
	got := c.mustCall(t, "Event.parse", parseReq(`{"event_key_fields": ["receiver"]}`, amBody(1000, 10)))
	results := got["results"].([]any)
	if len(results) != 1000 || results[0].(map[string]any)["event_key"] != results[999].(map[string]any)["event_key"] {
		t.Errorf("event_key_fields [receiver]: %d events, keys differ", len(results))
	}
	s.requireServing(t)
	s.requireRSSBelow(t, 400<<20)
}

// rawCodec sends and receives protobuf bytes as they are, so a test can put any bytes on the wire.
type rawCodec struct{}

func (rawCodec) Name() string { return "proto" }

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	return mem.BufferSlice{mem.SliceBuffer(*v.(*[]byte))}, nil
}

func (rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	*v.(*[]byte) = data.Materialize()
	return nil
}

// rawCall sends body as the request of method and returns the error.
func rawCall(c *client, method string, body []byte, opts ...grpc.CallOption) error {
	ctx, cancel := context.WithTimeout(outgoing(), callTimeout)
	defer cancel()
	var out []byte
	return c.conn.Invoke(ctx, method, &body, &out, append(opts, grpc.ForceCodecV2(rawCodec{}))...)
}

func TestUndecodableRequestsAreInvalidArgument(t *testing.T) {
	t.Parallel()
	s := startWith(t)
	c := dial(t, s.addr)
	const parse = "/spaceone.api.monitoring.plugin.Event/parse"
	// ParseRequest field 2 (data) is a Struct; its field 1 a map entry whose key (field 1) is a string.
	invalidUTF8 := []byte{0x12, 0x07, 0x0a, 0x05, 0x0a, 0x03, 0xff, 0xfe, 0xfd}
	deep := deepStruct(100000)
	for name, body := range map[string][]byte{
		"garbage":       []byte("\xff\xff\xff\xff\xff garbage"),
		"invalid UTF-8": invalidUTF8,
		"deep":          deep,
	} {
		err := rawCall(c, parse, body)
		if name == "deep" {
			wantRefusal(t, err, codes.InvalidArgument, "ERROR_INVALID_PARAMETER: Parameter is invalid. (key = request, reason = nests deeper than 32 levels)")
			continue
		}
		wantRefusal(t, err, codes.InvalidArgument, "ERROR_INVALID_PARAMETER: Parameter is invalid. (key = request, reason = it is not a valid spaceone.api.monitoring.plugin.ParseRequest message")
	}
	s.requireServing(t)
}

// deepStruct is ParseRequest{data: a Struct nested depth deep}: Struct{fields: {"": Value{struct_value: ...}}}.
// Each level is a prefix of the one inside it, so the lengths are counted from the inside out and the prefixes
// written from the outside in.
func deepStruct(depth int) []byte {
	type prefix struct{ s, e, v []byte }
	prefixes := make([]prefix, depth)
	n := 0 // the innermost Struct is empty
	for i := depth - 1; i >= 0; i-- {
		v := append([]byte{0x2a}, varint(n)...) // Value.struct_value
		n += len(v)
		e := append([]byte{0x12}, varint(n)...) // map entry's value
		n += len(e)
		s := append([]byte{0x0a}, varint(n)...) // Struct.fields entry
		n += len(s)
		prefixes[i] = prefix{s, e, v}
	}
	out := append([]byte{0x12}, varint(n)...) // ParseRequest.data
	for _, p := range prefixes {
		out = append(append(append(out, p.s...), p.e...), p.v...)
	}
	return out
}

func varint(n int) []byte {
	var b []byte
	for n >= 0x80 {
		b = append(b, byte(n)|0x80)
		n >>= 7
	}
	return append(b, byte(n))
}

func TestCompressedRequestsAreRefusedUnlessConfigured(t *testing.T) {
	t.Parallel()
	verify := `{"options": {}}`
	off := startWith(t)
	c := dial(t, off.addr)
	e := c.mustFail(t, "Webhook.verify", verify, callOpts{grpc: []grpc.CallOption{grpc.UseCompressor(gzip.Name)}})
	if !strings.Contains(e.details, "ERROR_COMPRESSION_NOT_ACCEPTED") {
		t.Fatalf("gzip with compression off: %v %q, want a refusal naming ERROR_COMPRESSION_NOT_ACCEPTED", e.code, e.details)
	}
	c.mustCall(t, "Webhook.verify", verify) // uncompressed still works

	on := startWith(t, "--compression", "gzip", "--max-recv-msg-size", strconv.Itoa(1<<20))
	c = dial(t, on.addr)
	c.mustCall(t, "Webhook.verify", verify, callOpts{grpc: []grpc.CallOption{grpc.UseCompressor(gzip.Name)}})
	// A body that inflates past max_recv_msg_size (30 MiB of one letter compresses to about 30 KiB) is refused
	// while it inflates.
	bomb := parseReq(`{}`, `{"event_key": "k", "title": "`+strings.Repeat("x", 30<<20)+`"}`)
	_, err := c.call(t, "Event.parse", bomb, callOpts{grpc: []grpc.CallOption{grpc.UseCompressor(gzip.Name)}})
	wantRefusal(t, err, codes.ResourceExhausted, "grpc: received message after decompression larger than max")
	on.requireServing(t)
	on.requireRSSBelow(t, 300<<20)
}

func TestErrorsDoNotEchoLongKeys(t *testing.T) {
	t.Parallel()
	s := startWith(t)
	c := dial(t, s.addr)
	long := strings.Repeat("k", 900<<10)
	many := map[string]any{}
	for i := range 2000 {
		many[fmt.Sprintf("unknown_%04d_%s", i, strings.Repeat("u", 400))] = "x"
	}
	manyJSON, _ := json.Marshal(many)
	for name, opts := range map[string]string{
		"a 900 KiB unknown key":      `{"` + long + `": 1}`,
		"a 900 KiB severity_map key": `{"severity_map": {"` + long + `": "HIGH"}}`,
		"2,000 unknown keys":         string(manyJSON),
	} {
		e := c.mustFail(t, "Webhook.verify", `{"options": `+opts+`}`)
		if e.code != codes.InvalidArgument {
			t.Errorf("%s: %v, want InvalidArgument (an oversized status would reach Cloudforet as INTERNAL)", name, e.code)
		}
		if n := len(e.details); n > 1024 {
			t.Errorf("%s: details of %d bytes", name, n)
		}
		if fields := e.badRequestFields(); len(fields) > 10 {
			t.Errorf("%s: BadRequest lists %d violations", name, len(fields))
		}
	}
	// The same through Cloudforet's own header limit: the whole status fits the 8 KiB it accepts.
	s.requireServing(t)
}

func TestSeverityMapKeysThatFoldAlikeAreRefused(t *testing.T) {
	t.Parallel()
	c := dial(t, startWith(t).addr)
	for _, pair := range [][2]string{{"ſev", "sev"}, {"µ", "μ"}, {"Critical", "CRITICAL"}} {
		e := c.mustFail(t, "Webhook.verify", fmt.Sprintf(`{"options": {"severity_map": {%q: "ERROR", %q: "INFO"}}}`, pair[0], pair[1]))
		if e.code != codes.InvalidArgument || !strings.Contains(e.details, "matched case-insensitively") {
			t.Errorf("severity_map keys %q and %q: %v %q", pair[0], pair[1], e.code, e.details)
		}
	}
}

// h2conn is a hand-spoken HTTP/2 client connection, for what grpc-go's client will not send.
type h2conn struct {
	net.Conn
	fr  *http2.Framer
	enc *hpack.Encoder
	buf bytes.Buffer
}

func dialH2(t *testing.T, addr string) *h2conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	if _, err := io.WriteString(conn, http2.ClientPreface); err != nil {
		t.Fatal(err)
	}
	h := &h2conn{Conn: conn, fr: http2.NewFramer(conn, conn)}
	h.enc = hpack.NewEncoder(&h.buf)
	if err := h.fr.WriteSettings(); err != nil {
		t.Fatal(err)
	}
	return h
}

// headers opens stream id on method with extra header fields.
func (h *h2conn) headers(t *testing.T, id uint32, method string, endStream bool, extra ...hpack.HeaderField) {
	t.Helper()
	if err := h.tryHeaders(id, method, endStream, extra...); err != nil {
		t.Fatal(err)
	}
}

// tryHeaders is headers that returns the write's error: the server may have closed the connection.
func (h *h2conn) tryHeaders(id uint32, method string, endStream bool, extra ...hpack.HeaderField) error {
	h.buf.Reset()
	for _, f := range append([]hpack.HeaderField{{Name: ":method", Value: "POST"}, {Name: ":scheme", Value: "http"},
		{Name: ":path", Value: method}, {Name: ":authority", Value: "monhook"}, {Name: "content-type", Value: "application/grpc"},
		{Name: "te", Value: "trailers"}}, extra...) {
		if err := h.enc.WriteField(f); err != nil {
			return err
		}
	}
	return h.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: h.buf.Bytes(), EndStream: endStream, EndHeaders: true})
}

// streamEnd reads frames until stream id ends (RST_STREAM, trailers or a GOAWAY), or within says no more.
func (h *h2conn) streamEnd(id uint32, within time.Duration) (string, error) {
	_ = h.SetReadDeadline(time.Now().Add(within))
	for {
		f, err := h.fr.ReadFrame()
		if err != nil {
			return "", err
		}
		switch f := f.(type) {
		case *http2.RSTStreamFrame:
			if f.StreamID == id {
				return "RST_STREAM " + f.ErrCode.String(), nil
			}
		case *http2.GoAwayFrame:
			return "GOAWAY " + f.ErrCode.String(), nil
		case *http2.HeadersFrame:
			if f.StreamID == id && f.StreamEnded() {
				return "trailers", nil
			}
		case *http2.SettingsFrame:
			if !f.IsAck() {
				_ = h.fr.WriteSettingsAck()
			}
		case *http2.PingFrame:
			if !f.IsAck() {
				_ = h.fr.WritePing(true, f.Data)
			}
		}
	}
}

func TestAnUnfinishedRequestIsCutByTheCallTimeout(t *testing.T) {
	t.Parallel()
	s := startWith(t, "--call-timeout", "2s")
	h := dialH2(t, s.addr)
	h.headers(t, 1, "/spaceone.api.monitoring.plugin.Event/parse", false)
	// A gRPC message that announces 1 MiB and sends 32 KiB of it (within the first flow-control window), then
	// nothing.
	msg := append([]byte{0, 0, 0x10, 0, 0}, bytes.Repeat([]byte{0}, 32<<10-5)...)
	for off := 0; off < len(msg); off += 16 << 10 {
		if err := h.fr.WriteData(1, false, msg[off:off+16<<10]); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	end, err := h.streamEnd(1, 10*time.Second)
	if err != nil {
		t.Fatalf("the unfinished call was not ended within 10 s of a 2 s call_timeout: %v", err)
	}
	t.Logf("unfinished call ended after %s by %s", time.Since(start).Round(100*time.Millisecond), end)
	s.requireServing(t)
}

func TestHugeHeaderListsAreRefused(t *testing.T) {
	t.Parallel()
	s := startWith(t)
	h := dialH2(t, s.addr)
	// One 4 KiB -bin header in HPACK's dynamic table, then streams that each name it 400 times, a byte each: a
	// small frame that decodes to 1.6 MB of headers.
	big := hpack.HeaderField{Name: "x-payload-bin", Value: strings.Repeat("A", 4<<10)}
	h.enc.SetMaxDynamicTableSizeLimit(8 << 10)
	var refused int
	for i := range 20 {
		id := uint32(2*i + 1)
		fields := make([]hpack.HeaderField, 400)
		for j := range fields {
			fields[j] = big
		}
		if err := h.tryHeaders(id, "/spaceone.api.monitoring.plugin.Webhook/verify", true, fields...); err != nil {
			refused++ // the server closed the connection over an earlier one
			break
		}
		end, err := h.streamEnd(id, 5*time.Second)
		if err != nil {
			if errors.Is(err, io.EOF) || strings.Contains(err.Error(), "reset") {
				refused++ // the server closed the connection over it: refused too
				break
			}
			t.Fatalf("stream %d: %v", id, err)
		}
		if end != "trailers" {
			refused++
		}
		if strings.HasPrefix(end, "GOAWAY") {
			break
		}
	}
	if refused == 0 {
		t.Fatal("1.6 MB header lists were accepted")
	}
	s.requireServing(t)
	s.requireRSSBelow(t, 200<<20)
}

func TestConcurrentLargeRequestsAreAdmittedAgainstTheMemoryBudget(t *testing.T) {
	t.Parallel()
	// 200 MiB of memory: 100 MiB for requests in flight; a request of 1.2 MiB counts as 64 × that, 77 MiB, so they
	// are decoded one at a time. Its body of 300,000 empty objects is the worst case of that expansion.
	s := startWith(t, "--memory-limit", strconv.Itoa(200<<20), "--admission-wait", "100ms")
	c := dial(t, s.addr)
	m := c.method(t, "Event.parse")
	req, err := proto.Marshal(request(t, m, parseReq(`{}`, `{"event_key": "k", "title": "t", "additional_info": {"a": [`+
		strings.TrimSuffix(strings.Repeat("{},", 300000), ",")+`]}}`)))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	got := make(chan codes.Code, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got <- status.Code(rawCall(c, path(m), req))
		}()
	}
	wg.Wait()
	close(got)
	count := map[codes.Code]int{}
	for code := range got {
		count[code]++
	}
	t.Logf("8 concurrent 1.2 MiB requests: %v", count)
	if count[codes.OK] == 0 || count[codes.OK]+count[codes.ResourceExhausted] != 8 {
		t.Errorf("answers %v, want each OK or RESOURCE_EXHAUSTED, at least one OK", count)
	}
	s.requireServing(t)
	s.requireRSSBelow(t, 400<<20)
}

func TestSIGTERMEndsHealthWatchesAndACallPastTheGraceAndExitsZero(t *testing.T) {
	t.Parallel()
	s := startWith(t, "--shutdown-grace", "1s", "--call-timeout", "60s")
	c := dial(t, s.addr)
	watchCtx, stop := context.WithTimeout(outgoing(), 30*time.Second)
	defer stop()
	watch, err := healthpb.NewHealthClient(c.conn).Watch(watchCtx, &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := watch.Recv(); err != nil {
		t.Fatal(err)
	}
	// A call that will never finish on its own: its request is never completed.
	h := dialH2(t, s.addr)
	h.headers(t, 1, "/spaceone.api.monitoring.plugin.Event/parse", false)
	if err := h.fr.WriteData(1, false, []byte{0, 0, 0x10, 0, 0}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	start := time.Now()
	s.terminate(t)
	watchEnded := make(chan error, 1)
	go func() {
		for {
			if _, err := watch.Recv(); err != nil {
				watchEnded <- err
				return
			}
		}
	}()
	select {
	case err := <-watchEnded:
		t.Logf("health watch ended: %v", err)
	case <-time.After(5 * time.Second):
		t.Error("the health watch was still open 5 s after SIGTERM")
	}
	code, ok := s.wait(15 * time.Second)
	if !ok || code != 0 {
		t.Fatalf("after SIGTERM with a call past its 1 s grace: exited %v with %d, want exit 0", ok, code)
	}
	t.Logf("exited 0 after %s", time.Since(start).Round(100*time.Millisecond))
}
