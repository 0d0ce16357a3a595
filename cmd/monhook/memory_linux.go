package main

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// freeAddressSpace is what an address-space limit (RLIMIT_AS, ulimit -v) leaves of the process's virtual memory,
// the runtime's reservations at start deducted; ok is false when there is no such limit.
func freeAddressSpace() (int64, bool) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_AS, &rl); err != nil || rl.Cur > 1<<62 { // RLIM_INFINITY is all ones
		return 0, false
	}
	used := int64(0)
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(line, "VmSize:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
				used = kb << 10
			}
		}
	}
	return max(int64(rl.Cur)-used, 0), true
}
