//go:build attack

package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http2/hpack"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding/gzip"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// The attacks that once killed the process, run by `make attack` (go test -tags attack): every one at once against
// one server started under an address-space limit, as a hostile caller would send them. The server must answer
// each with its documented code, answer health checks throughout, keep its peak RSS within its memory limit, and
// exit 0 on SIGTERM.

// addressSpaceKB is the server's address-space limit (ulimit -v): a Go binary reserves about 1.3 GB of address
// space before it allocates anything, so 2 GiB leaves it about 700 MB.
const addressSpaceKB = 2 << 20

// launchCapped starts the binary under ulimit -v, through a shell that execs it (same pid).
func launchCapped(t *testing.T, args ...string) *server {
	t.Helper()
	return startOn(t, func(port int) (launchSpec, string) {
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		full := append([]string{"-c", fmt.Sprintf(`ulimit -v %d && exec "$0" "$@"`, addressSpaceKB), binary,
			"serve", "--listen", addr, "--admin-listen", ""}, args...)
		return launchSpec{args: full, shell: true}, addr
	})
}

// memoryLimitOf reads the memory limit the server logged at start.
func memoryLimitOf(t *testing.T, s *server) int64 {
	t.Helper()
	line := s.waitLog(t, "naming the memory limit", func(m map[string]any) bool { return m["msg"] == "memory" })
	n, _ := line["limit"].(float64)
	if n <= 0 {
		t.Fatalf("memory line %v has no limit", line)
	}
	return int64(n)
}

// healthWatch checks health every 100 ms until stop is called, and fails the test on any answer but SERVING.
func healthWatch(t *testing.T, addr string) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			cctx, ccancel := context.WithTimeout(ctx, 5*time.Second)
			st, err := healthCheck(cctx, addr, "")
			ccancel()
			if ctx.Err() == nil && (err != nil || st != healthpb.HealthCheckResponse_SERVING) {
				t.Errorf("health during the attacks: %v, %v", st, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	return func() { cancel(); wg.Wait() }
}

func TestAttacksUnderAnAddressSpaceLimit(t *testing.T) {
	s := launchCapped(t, "--compression", "gzip", "--call-timeout", "5s")
	limit := memoryLimitOf(t, s)
	t.Logf("memory limit %d MiB under a %d MiB address space", limit>>20, addressSpaceKB>>10)
	stop := healthWatch(t, s.addr)
	c := dial(t, s.addr)
	m := c.method(t, "Event.parse")
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[string]map[codes.Code]int{}
	attack := func(name string, times int, f func() error, want ...codes.Code) {
		for range times {
			wg.Add(1)
			go func() {
				defer wg.Done()
				code := status.Code(f())
				mu.Lock()
				if seen[name] == nil {
					seen[name] = map[codes.Code]int{}
				}
				seen[name][code]++
				mu.Unlock()
				for _, w := range want {
					if code == w {
						return
					}
				}
				t.Errorf("%s: %v, want one of %v", name, code, want)
			}()
		}
	}
	encode := func(reqJSON string) []byte {
		b, err := proto.Marshal(request(t, m, reqJSON))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	send := func(req []byte, opts ...grpc.CallOption) func() error {
		return func() error { return rawCall(c, path(m), req, opts...) }
	}
	busy := []codes.Code{codes.ResourceExhausted} // admission may refuse any big request while others run

	// 1. Body-level fields copied into every event: 4,000 alerts × 1 MiB, plain and inside an SNS Message.
	am := amBody(4000, 1<<20)
	attack("answer budget", 2, send(encode(parseReq(`{}`, am))), append(busy, codes.InvalidArgument)...)
	inSNS, _ := json.Marshal(map[string]any{"Type": "Notification", "TopicArn": "arn:aws:sns:us-east-1:1:t", "MessageId": "m", "Message": amBody(900, 1<<20)})
	attack("answer budget in SNS", 2, send(encode(parseReq(`{}`, string(inSNS)))), append(busy, codes.InvalidArgument)...)
	// 2. gzip bombs: 30 MiB of one letter, four at once.
	bomb := encode(parseReq(`{}`, `{"event_key": "k", "title": "`+strings.Repeat("x", 30<<20)+`"}`))
	attack("gzip bomb", 4, send(bomb, grpc.UseCompressor(gzip.Name)), codes.ResourceExhausted)
	// 4. Templates and key fields over large values.
	big := amBody(1000, 256<<10)
	attack("repeated placeholder", 2, send(encode(parseReq(`{"convert_data": {"title": "`+strings.Repeat("{{ externalURL }}", 200)+`"}}`, big))), append(busy, codes.InvalidArgument)...)
	attack("title over a 256 KiB field", 2, send(encode(parseReq(`{"convert_data": {"title": "{{ externalURL }}"}}`, big))), append(busy, codes.InvalidArgument)...)
	attack("key field over the alerts", 2, send(encode(parseReq(`{"event_key_fields": ["alerts"]}`, amBody(1000, 100)))), append(busy, codes.InvalidArgument)...)
	attack("key field over 1 MiB", 2, send(encode(parseReq(`{"event_key_fields": ["externalURL"]}`, amBody(1000, 1<<20)))), append(busy, codes.InvalidArgument)...)
	// 6. Six maximal requests of the body that expands most (empty objects), at once.
	worst := encode(parseReq(`{}`, `{"event_key": "k", "title": "t", "additional_info": {"a": [`+strings.TrimSuffix(strings.Repeat("{},", 1800000), ",")+`]}}`))
	attack("worst expansion, maximal", 6, send(worst), busy...)
	// The same body at 2 MiB: each fits the budget alone, so they are decoded one or two at a time.
	fits := encode(parseReq(`{}`, `{"event_key": "k", "title": "t", "additional_info": {"a": [`+strings.TrimSuffix(strings.Repeat("{},", 500000), ",")+`]}}`))
	attack("worst expansion, 2 MiB", 6, send(fits), append(busy, codes.OK, codes.InvalidArgument)...)

	// 3. HPACK: streams that each name a 4 KiB -bin header 400 times.
	wg.Add(1)
	go func() {
		defer wg.Done()
		h := dialH2(t, s.addr)
		field := hpack.HeaderField{Name: "x-payload-bin", Value: strings.Repeat("A", 4<<10)}
		fields := make([]hpack.HeaderField, 400)
		for i := range fields {
			fields[i] = field
		}
		for i := range 400 {
			if h.tryHeaders(uint32(2*i+1), "/spaceone.api.monitoring.plugin.Webhook/verify", true, fields...) != nil {
				return // the server closed the connection: refused
			}
		}
	}()
	// 6b. Unfinished messages: 24 streams announcing 8 MiB, sending 32 KiB, never finishing; call_timeout cuts them.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 24 {
			h := dialH2(t, s.addr)
			h.headers(t, 1, path(m), false)
			_ = h.fr.WriteData(1, false, append([]byte{0, 0, 0x80, 0, 0}, bytes.Repeat([]byte{1}, 32<<10-5)...))
		}
	}()

	wg.Wait()
	for name, codes := range seen {
		t.Logf("%-28s %v", name, codes)
	}
	time.Sleep(6 * time.Second) // the unfinished streams' call_timeout
	stop()
	s.requireServing(t)
	// The documented budget: the peak stays within the memory limit, plus the runtime's own overhead.
	s.requireRSSBelow(t, limit+64<<20)
	c.mustCall(t, "Webhook.verify", `{"options": {}}`)
}
