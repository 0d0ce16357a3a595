package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	pluginpb "github.com/monhook/monhook/proto/spaceone/api/monitoring/plugin"
)

// cell is one kind of call at one number of concurrent callers.
type cell struct {
	name   string
	method string
	req    proto.Message
	reply  func() proto.Message
	conc   int
}

// makeCells builds the requests once; they are only read while the load runs.
func makeCells(fixture string, conc []int) ([]cell, error) {
	one, err := readBody(fixture)
	if err != nil {
		return nil, err
	}
	hundred, err := alerts(one, 100)
	if err != nil {
		return nil, err
	}
	oneS, err := structpb.NewStruct(one)
	if err != nil {
		return nil, err
	}
	hundredS, err := structpb.NewStruct(hundred)
	if err != nil {
		return nil, err
	}
	empty := &structpb.Struct{}
	kinds := []cell{
		{name: "init {}", method: pluginpb.Webhook_Init_FullMethodName,
			req: &pluginpb.WebhookInitRequest{Options: empty}, reply: newOf[pluginpb.WebhookPluginInfo]},
		{name: "verify {}", method: pluginpb.Webhook_Verify_FullMethodName,
			req: &pluginpb.WebhookPluginVerifyRequest{Options: empty}, reply: newOf[emptypb.Empty]},
		{name: "parse 1 alert", method: pluginpb.Event_Parse_FullMethodName,
			req: &pluginpb.ParseRequest{Options: empty, Data: oneS}, reply: newOf[pluginpb.EventsInfo]},
		{name: "parse 100 alerts", method: pluginpb.Event_Parse_FullMethodName,
			req: &pluginpb.ParseRequest{Options: empty, Data: hundredS}, reply: newOf[pluginpb.EventsInfo]},
	}
	var cells []cell
	for _, k := range kinds {
		for _, n := range conc {
			c := k
			c.conc = n
			cells = append(cells, c)
		}
	}
	return cells, nil
}

// newOf returns a new, empty reply message of type T.
func newOf[T any, P interface {
	*T
	proto.Message
}]() proto.Message {
	return P(new(T))
}

func readBody(path string) (map[string]any, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// alerts returns a copy of the Alertmanager body one whose alerts list holds n variants of its first alert, each
// with its own instance label and fingerprint, so they are n distinct events.
func alerts(one map[string]any, n int) (map[string]any, error) {
	list, _ := one["alerts"].([]any)
	if len(list) == 0 {
		return nil, fmt.Errorf("the fixture has no alerts")
	}
	b, err := json.Marshal(list[0])
	if err != nil {
		return nil, err
	}
	out := make([]any, n)
	for i := range out {
		var a map[string]any
		if err := json.Unmarshal(b, &a); err != nil {
			return nil, err
		}
		if labels, ok := a["labels"].(map[string]any); ok {
			labels["instance"] = fmt.Sprintf("host-%03d:9100", i)
		}
		a["fingerprint"] = fmt.Sprintf("%016x", i+1)
		out[i] = a
	}
	body := make(map[string]any, len(one))
	for k, v := range one {
		body[k] = v
	}
	body["alerts"] = out
	return body, nil
}

// sample is one cell's run against one server.
type sample struct {
	calls   int
	errs    int // failed calls
	rps     float64
	p50     time.Duration
	p99     time.Duration
	cpuCall time.Duration // server utime+stime over the measured part, per call
}

// runCell warms up, then runs c.conc callers on the server's connection until cfg.duration has passed or
// cfg.maxCalls calls were made, and measures the server's CPU time over the same span. A failed call (each has
// cfg.callTimeout) is counted and its first error printed, and the cell goes on: a server that fails calls shows
// it in the table rather than ending the comparison.
func runCell(ctx context.Context, p *proc, c cell, cfg config) (sample, error) {
	if _, errs := drive(ctx, p, c, cfg.warmup, cfg.maxCalls, cfg.callTimeout); errs > 0 {
		fmt.Fprintf(os.Stderr, "  %s, %d callers: %d call(s) failed in the warm-up\n", c.name, c.conc, errs)
	}
	cpu0, err := p.cpu()
	if err != nil {
		return sample{}, err
	}
	start := time.Now()
	lat, errs := drive(ctx, p, c, cfg.duration, cfg.maxCalls, cfg.callTimeout)
	elapsed := time.Since(start)
	cpu1, err := p.cpu()
	if err != nil {
		return sample{}, err
	}
	n := len(lat)
	if n == 0 {
		return sample{}, fmt.Errorf("no call succeeded (%d failed)", errs)
	}
	slices.Sort(lat)
	return sample{
		calls:   n,
		errs:    errs,
		rps:     float64(n) / elapsed.Seconds(),
		p50:     lat[n*50/100],
		p99:     lat[min(n-1, n*99/100)],
		cpuCall: (cpu1 - cpu0) / time.Duration(n+errs),
	}, nil
}

// drive runs c.conc callers for d or until limit calls were started, and returns every successful call's latency
// and the number of failed calls; the first failure is printed.
func drive(ctx context.Context, p *proc, c cell, d time.Duration, limit int, timeout time.Duration) ([]time.Duration, int) {
	deadline := time.Now().Add(d)
	var started, failed atomic.Int64
	var once sync.Once
	lats := make([][]time.Duration, c.conc)
	var wg sync.WaitGroup
	for w := range c.conc {
		wg.Go(func() {
			own := make([]time.Duration, 0, 1024)
			for started.Add(1) <= int64(limit) && time.Now().Before(deadline) {
				cctx, cancel := context.WithTimeout(ctx, timeout)
				t := time.Now()
				err := p.conn.Invoke(cctx, c.method, c.req, c.reply())
				took := time.Since(t)
				cancel()
				if err != nil {
					failed.Add(1)
					once.Do(func() {
						fmt.Fprintf(os.Stderr, "  %s, %d callers: a call failed after %v: %v\n", c.name, c.conc, took, err)
					})
					continue
				}
				own = append(own, took)
			}
			lats[w] = own
		})
	}
	wg.Wait()
	return slices.Concat(lats...), int(failed.Load())
}

// median of xs (the lower middle for an even count, so it is always a measured value).
func median[T int64 | float64 | time.Duration](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}

// spread is (max-min)/median in percent: how far the rounds disagree.
func spread[T int64 | float64 | time.Duration](xs []T) float64 {
	m := median(xs)
	if m == 0 {
		return 0
	}
	return float64(slices.Max(xs)-slices.Min(xs)) / float64(m) * 100
}

func pick[T any](ss []sample, f func(sample) T) []T {
	out := make([]T, len(ss))
	for i, s := range ss {
		out[i] = f(s)
	}
	return out
}

func us(d time.Duration) string { return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond)) }
func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

// printTable prints every server's medians per cell, with the spread across rounds of req/s and CPU per call.
func printTable(servers []server, cells []cell, res [][][]sample) {
	fmt.Printf("medians across %d round(s); spread = (max-min)/median across rounds\n\n", len(res[0][0]))
	fmt.Println("| cell | callers | server | req/s | p50 | p99 | server CPU/call | spread req/s | spread CPU/call | failed |")
	fmt.Println("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|")
	for ci, c := range cells {
		for si, s := range servers {
			ss := res[si][ci]
			rps := pick(ss, func(s sample) float64 { return s.rps })
			cpu := pick(ss, func(s sample) time.Duration { return s.cpuCall })
			failed := 0
			for _, x := range ss {
				failed += x.errs
			}
			fmt.Printf("| %s | %d | %s | %.0f | %s | %s | %s | %.0f%% | %.0f%% | %d |\n", c.name, c.conc, s.name,
				median(rps), us(median(pick(ss, func(s sample) time.Duration { return s.p50 }))),
				us(median(pick(ss, func(s sample) time.Duration { return s.p99 }))), us(median(cpu)),
				spread(rps), spread(cpu), failed)
		}
	}
}

// printRatios prints each server's medians over the floor's (the first server's) medians, and the CPU per call
// ratio round by round: the servers of a round ran one after the other, so a busy spell weighs on both sides.
func printRatios(servers []server, cells []cell, res [][][]sample) {
	fmt.Printf("ratios server/%s (of the medians; CPU/call also per round, its median and min-max):\n", servers[0].name)
	fmt.Println()
	fmt.Println("| cell | callers | server | req/s | p50 | p99 | server CPU/call | per round | median (min-max) |")
	fmt.Println("|---|---:|---|---:|---:|---:|---:|---|---:|")
	cpu := func(s sample) float64 { return float64(max(s.cpuCall, time.Nanosecond)) }
	for ci, c := range cells {
		base := res[0][ci]
		for si := 1; si < len(servers); si++ {
			ss := res[si][ci]
			ratio := func(f func(sample) float64) float64 {
				return median(pick(ss, f)) / median(pick(base, f))
			}
			var rounds []float64
			var texts []string
			for r := range min(len(ss), len(base)) {
				x := cpu(ss[r]) / cpu(base[r])
				rounds = append(rounds, x)
				texts = append(texts, fmt.Sprintf("%.2f", x))
			}
			fmt.Printf("| %s | %d | %s | %.2f | %.2f | %.2f | %.2f | %s | %.2f (%.2f-%.2f) |\n", c.name, c.conc, servers[si].name,
				ratio(func(s sample) float64 { return s.rps }),
				ratio(func(s sample) float64 { return float64(s.p50) }),
				ratio(func(s sample) float64 { return float64(s.p99) }),
				ratio(cpu), strings.Join(texts, ", "), median(rounds), slices.Min(rounds), slices.Max(rounds))
		}
	}
}

func printMemory(servers []server, mem [][]memSample) {
	fmt.Println("memory (median across rounds; idle = VmRSS 0.5 s after SERVING, peak = VmHWM after the round's load):")
	fmt.Println()
	fmt.Println("| server | idle RSS | peak RSS | idle per round | peak per round |")
	fmt.Println("|---|---:|---:|---|---|")
	for si, s := range servers {
		var idle, peak []int64
		var is, ps []string
		for _, m := range mem[si] {
			idle, peak = append(idle, m.idleKiB), append(peak, m.peakKiB)
			is, ps = append(is, mib(m.idleKiB)), append(ps, mib(m.peakKiB))
		}
		fmt.Printf("| %s | %s MiB | %s MiB | %s | %s |\n", s.name, mib(median(idle)), mib(median(peak)),
			strings.Join(is, ", "), strings.Join(ps, ", "))
	}
}

func mib(kib int64) string { return fmt.Sprintf("%.1f", float64(kib)/1024) }
