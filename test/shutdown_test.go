package e2e_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"
)

// shutdownGrace is the grace the server under load is given: far above how long its calls take, far below
// exitTimeout, so a server that waits out its grace is told apart from one that drains.
const shutdownGrace = 10 * time.Second

// halfSent is a call whose stream is open and whose request is not sent yet: in flight at the server.
type halfSent struct {
	m      protoreflect.MethodDescriptor
	req    string
	stream grpc.ClientStream
}

// finish sends the request and reads the answer.
func (h *halfSent) finish() error {
	req := dynamicpb.NewMessage(h.m.Input())
	if err := protojson.Unmarshal([]byte(h.req), req); err != nil {
		return err
	}
	if err := h.stream.SendMsg(req); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	if err := h.stream.CloseSend(); err != nil {
		return fmt.Errorf("close send: %w", err)
	}
	if err := h.stream.RecvMsg(dynamicpb.NewMessage(h.m.Output())); err != nil {
		return newCallError(err)
	}
	return nil
}

func TestSIGTERMUnderLoadDrainsEveryInFlightCall(t *testing.T) {
	t.Parallel()
	s := startWith(t, "--shutdown-grace", shutdownGrace.String())
	conns := []*client{dial(t, s.addr), dial(t, s.addr), dial(t, s.addr)}
	health := healthpb.NewHealthClient(conns[0].conn)

	// A Watch opened before the signal must see NOT_SERVING.
	watchCtx, stopWatch := context.WithTimeout(outgoing(), 30*time.Second)
	defer stopWatch()
	watch, err := health.Watch(watchCtx, &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatalf("health Watch: %v", err)
	}
	if r, err := watch.Recv(); err != nil || r.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health Watch first = %v, %v; want SERVING", r.GetStatus(), err)
	}

	// Ten calls of every method open on each connection, their requests held back until after the signal.
	callCtx, cancelCalls := context.WithTimeout(outgoing(), 30*time.Second)
	defer cancelCalls()
	requests := map[string]string{
		"Webhook.init":   `{"options": {}}`,
		"Webhook.verify": `{"options": {"source": "alertmanager"}}`,
		"Event.parse":    `{"options": {}, "data": {"event_key": "k", "title": "t", "severity": "critical"}}`,
	}
	var inFlight []*halfSent
	for _, c := range conns {
		for name, req := range requests {
			m := c.method(t, name)
			for range 10 {
				st, err := c.conn.NewStream(callCtx, &grpc.StreamDesc{StreamName: string(m.Name())}, path(m))
				if err != nil {
					t.Fatalf("open %s: %v", path(m), err)
				}
				inFlight = append(inFlight, &halfSent{m: m, req: req, stream: st})
			}
		}
		// The check's headers follow the open calls' on the same connection, so its answer proves the server has
		// seen them all before the signal.
		ctx, cancel := context.WithTimeout(outgoing(), callTimeout)
		_, err := healthpb.NewHealthClient(c.conn).Check(ctx, &healthpb.HealthCheckRequest{})
		cancel()
		if err != nil {
			t.Fatalf("health Check behind the open calls: %v", err)
		}
	}

	// Callers in a loop on every connection until the server turns them away; each call is answered OK or,
	// once the server drains, refused with UNAVAILABLE, and nothing else.
	var (
		wg          sync.WaitGroup
		okCalls     atomic.Int64
		unavailable atomic.Int64
		unexpected  = make(chan error, 64)
		warm        sync.WaitGroup
	)
	stopLoad := time.Now().Add(25 * time.Second)
	for i := range 24 {
		c := conns[i%len(conns)]
		m := c.method(t, "Webhook.verify")
		req := request(t, m, `{"options": {}}`)
		wg.Add(1)
		warm.Add(1)
		go func() {
			defer wg.Done()
			warmed := false
			defer func() {
				if !warmed {
					warm.Done()
				}
			}()
			for n := 0; n < 100_000 && time.Now().Before(stopLoad); n++ {
				err := invoke(c, m, req, callTimeout)
				switch status.Code(err) {
				case codes.OK:
					okCalls.Add(1)
					if !warmed {
						warmed = true
						warm.Done()
					}
					continue
				case codes.Unavailable:
					unavailable.Add(1)
				default:
					unexpected <- fmt.Errorf("a caller's verify: %w", newCallError(err))
				}
				return
			}
			unexpected <- fmt.Errorf("a caller was still served %s after the signal", 25*time.Second)
		}()
	}
	warm.Wait() // every caller has had a call answered: the load is on

	signalled := time.Now()
	s.terminate(t)

	for {
		r, err := watch.Recv()
		if err != nil {
			t.Fatalf("health Watch after SIGTERM ended without NOT_SERVING: %v", err)
		}
		if r.GetStatus() == healthpb.HealthCheckResponse_NOT_SERVING {
			break
		}
	}
	stopWatch() // an open Watch is an in-flight call too, and would hold the drain

	// New calls fail fast with UNAVAILABLE, on a connection that was open and on a new one, while the calls
	// above still hold the server up.
	newCall := func(c *client) error {
		m := c.method(t, "Webhook.init")
		return invoke(c, m, request(t, m, `{"options": {}}`), 2*time.Second)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		began := time.Now()
		err := newCall(conns[1])
		if status.Code(err) == codes.Unavailable {
			if took := time.Since(began); took > time.Second {
				t.Errorf("a new call after SIGTERM took %s to fail", took)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a new call on an open connection 5 s after NOT_SERVING: %v, want UNAVAILABLE", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if late, err := connect(s.addr); err == nil {
		late.conn.Close()
		t.Errorf("a new connection after SIGTERM got ready, want it refused")
	}

	wg.Wait()
	close(unexpected)
	for err := range unexpected {
		t.Error(err)
	}
	t.Logf("callers: %d calls answered OK, %d turned away with UNAVAILABLE", okCalls.Load(), unavailable.Load())

	// Every call that was in flight at the signal is answered, all at once.
	errs := make(chan error, len(inFlight))
	var done sync.WaitGroup
	for _, h := range inFlight {
		done.Add(1)
		go func() {
			defer done.Done()
			if err := h.finish(); err != nil {
				errs <- fmt.Errorf("%s in flight during SIGTERM: %w", h.m.FullName(), err)
			}
		}()
	}
	done.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	code, ok := s.wait(drainExit)
	if !ok {
		t.Fatalf("monhook still running %s after its last in-flight call was answered", drainExit)
	}
	if code != 0 {
		t.Errorf("monhook exited with code %d after SIGTERM, want 0", code)
	}
	if took := time.Since(signalled); took > shutdownGrace {
		t.Errorf("monhook exited %s after SIGTERM, beyond its %s grace", took, shutdownGrace)
	}
}
