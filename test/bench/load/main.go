// Command load compares monhook with the floor over loopback: test/bench/baseline in its echo mode, a bare
// grpc-go server that answers each call with the very bytes monhook answered it with, captured once before the
// rounds. It builds both servers, then, for a number of rounds, starts each server in turn (A B A B ...) and runs
// the same cells against it: init with {} options, verify with {}, parse with a 1-alert and a 100-alert
// Alertmanager body, each at 1 and 50 concurrent callers. Every cell is bounded by time and by count. For each
// server and cell it prints the medians across rounds of requests/s, p50 and p99 latency and the server's CPU
// time per call (utime+stime from /proc/<pid>/stat over the cell, divided by its calls), the spread across
// rounds, and the ratios server/floor. It also prints each server's idle and peak RSS and the time from process
// start to health SERVING.
//
// Run it from the module root: go run ./test/bench/load [-duration 3s] [-rounds 3].
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// config is the driver's command line.
type config struct {
	duration    time.Duration // measured time per cell
	warmup      time.Duration // unmeasured calls before each cell
	maxCalls    int           // per cell, whichever of duration and count ends first
	callTimeout time.Duration // deadline of each call
	rounds      int
	conc        []int
	starts      int      // process starts timed to SERVING, per server
	levels      []string // monhook log levels to measure, each a server of its own
	fixture     string   // the 1-alert Alertmanager body
	cells       *regexp.Regexp
	// bare adds the baseline in its default mode, whose answers are next to empty: what the transport costs
	// before any answer is sent.
	bare bool
	keep bool // keep the build folder: both binaries and the captured answers, to profile or replay by hand
}

func main() {
	var cfg config
	var conc, levels, cells string
	flag.DurationVar(&cfg.duration, "duration", 3*time.Second, "measured time per cell")
	flag.DurationVar(&cfg.warmup, "warmup", 300*time.Millisecond, "unmeasured warm-up per cell")
	flag.IntVar(&cfg.maxCalls, "max-calls", 200000, "most calls per cell")
	flag.DurationVar(&cfg.callTimeout, "call-timeout", 10*time.Second, "deadline of each call; a call over it fails")
	flag.IntVar(&cfg.rounds, "rounds", 3, "rounds; each runs every server once, in turn")
	flag.StringVar(&conc, "concurrency", "1,50", "comma-separated numbers of concurrent callers")
	flag.IntVar(&cfg.starts, "starts", 7, "process starts per server timed to SERVING")
	flag.StringVar(&levels, "levels", "warn,info", "monhook --log-level values to measure, each a server of its own")
	flag.StringVar(&cfg.fixture, "fixture", "domain/source/alertmanager/testdata/zulip-resolved-single-alert.json",
		"1-alert Alertmanager body, relative to the module root")
	flag.BoolVar(&cfg.keep, "keep", false, "keep the folder holding both binaries and the captured answers, and print its path")
	flag.BoolVar(&cfg.bare, "bare", false, "also run the bare baseline, whose answers are next to empty")
	flag.StringVar(&cells, "cells", "", "run only the cells whose name matches this regular expression, e.g. 'verify|init'")
	flag.Parse()
	re, err := regexp.Compile(cells)
	if err != nil {
		fatalf("bad -cells: %v", err)
	}
	cfg.cells = re
	for _, s := range strings.Split(conc, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || n > 1000 {
			fatalf("bad -concurrency %q", conc)
		}
		cfg.conc = append(cfg.conc, n)
	}
	cfg.levels = strings.Split(levels, ",")
	if cfg.rounds < 1 || cfg.duration <= 0 || cfg.maxCalls < 1 || cfg.starts < 1 || cfg.callTimeout <= 0 {
		fatalf("-rounds, -duration, -max-calls, -starts and -call-timeout must be positive")
	}
	if err := run(cfg); err != nil {
		fatalf("%v", err)
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "load: "+format+"\n", args...)
	os.Exit(1)
}

func run(cfg config) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "monhook-load-")
	if err != nil {
		return err
	}
	defer func() {
		if cfg.keep {
			fmt.Fprintln(os.Stderr, "kept", dir)
			return
		}
		_ = os.RemoveAll(dir)
	}()

	bins, err := build(root, dir)
	if err != nil {
		return err
	}
	cells, err := makeCells(filepath.Join(root, cfg.fixture), cfg.conc)
	if err != nil {
		return err
	}
	cells = slices.DeleteFunc(cells, func(c cell) bool { return !cfg.cells.MatchString(c.name) })
	if len(cells) == 0 {
		return fmt.Errorf("no cell matches -cells %q", cfg.cells)
	}
	extra, err := monhookFlags(bins.monhook)
	if err != nil {
		return err
	}
	var monhooks []server
	for _, lvl := range cfg.levels {
		args := append([]string{"serve", "--log-level", lvl}, extra...)
		monhooks = append(monhooks, server{name: "monhook/" + lvl, bin: bins.monhook, args: args, dir: dir})
	}
	// The floor answers with monhook's own bytes: captured once, from a server of its own.
	answersFile := filepath.Join(dir, "answers.json")
	if err := capture(context.Background(), monhooks[0], cells, answersFile, cfg.callTimeout); err != nil {
		return fmt.Errorf("capturing monhook's answers: %w", err)
	}
	servers := []server{{name: "floor", bin: bins.baseline, args: []string{"--echo", answersFile}, dir: dir}}
	if cfg.bare {
		servers = append(servers, server{name: "bare", bin: bins.baseline, dir: dir})
	}
	servers = append(servers, monhooks...)

	printMachine()
	fmt.Printf("\nload: %d round(s), %v per cell (+%v warm-up, at most %d calls), callers %v, servers in turn: %s\n",
		cfg.rounds, cfg.duration, cfg.warmup, cfg.maxCalls, cfg.conc, names(servers))

	ctx := context.Background()
	// results[server][cell] holds one sample per round.
	results := make([][][]sample, len(servers))
	for i := range results {
		results[i] = make([][]sample, len(cells))
	}
	mem := make([][]memSample, len(servers))
	for r := range cfg.rounds {
		for si, srv := range servers {
			fmt.Fprintf(os.Stderr, "round %d/%d: %s\n", r+1, cfg.rounds, srv.name)
			m, err := srv.round(ctx, cfg, cells, func(ci int, s sample) { results[si][ci] = append(results[si][ci], s) })
			if err != nil {
				return fmt.Errorf("%s, round %d: %w", srv.name, r+1, err)
			}
			mem[si] = append(mem[si], m)
		}
	}

	fmt.Println()
	printTable(servers, cells, results)
	fmt.Println()
	printRatios(servers, cells, results)
	fmt.Println()
	printMemory(servers, mem)

	fmt.Println()
	fmt.Printf("start to SERVING (median of %d starts, --log-level warn for monhook):\n\n", cfg.starts)
	fmt.Println("| server | median | min | max |")
	fmt.Println("|---|---:|---:|---:|")
	for _, srv := range servers {
		if srv.name != "floor" && !strings.HasSuffix(srv.name, "/warn") {
			continue
		}
		ds, err := srv.startTimes(ctx, cfg.starts)
		if err != nil {
			return fmt.Errorf("%s: start-up: %w", srv.name, err)
		}
		slices.Sort(ds)
		fmt.Printf("| %s | %s | %s | %s |\n", srv.name, ms(ds[len(ds)/2]), ms(ds[0]), ms(ds[len(ds)-1]))
	}
	return nil
}

func names(ss []server) string {
	n := make([]string, len(ss))
	for i, s := range ss {
		n[i] = s.name
	}
	return strings.Join(n, ", ")
}

// moduleRoot is the nearest directory upwards holding go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory; run from the module")
		}
		dir = parent
	}
}

// printMachine says what the numbers were measured on.
func printMachine() {
	model, memTotal := "?", "?"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "MemTotal:"); ok {
				memTotal = strings.TrimSpace(v)
			}
		}
	}
	fmt.Printf("machine: %d CPU(s) for Go (GOMAXPROCS of the driver), %s, MemTotal %s\n", numCPU(), model, memTotal)
}
