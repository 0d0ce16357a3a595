package main

import (
	"math"
	"os"
	"runtime/debug"

	"github.com/KimMachineGun/automemlimit/memlimit"
)

// fallbackMemoryLimit is the soft memory limit where nothing else sets one: a webhook plugin needs a few tens of
// MiB, and half of this, the admission budget, holds one request of the default max_recv_msg_size at its worst
// expansion, or a hundred 64 KiB bodies at once.
const fallbackMemoryLimit = 1 << 30

// containerShare is the part of a container's memory limit given to Go's heap: the rest covers stacks, the
// runtime and what the heap overshoots between collections.
const containerShare = 0.9

// addressSpaceShare is the part of the address space left under an address-space limit (ulimit -v) that the heap
// may take: the heap's arenas, and the runtime's own reservations as it grows, come out of the same space.
const addressSpaceShare = 0.6

// memoryLimit decides Go's soft memory limit, sets it, and says where it came from: GOMEMLIMIT when it is set (the
// runtime applied it at start), else configured (the memory_limit setting) when positive, else 90% of the
// container's cgroup limit, else fallbackMemoryLimit. Under an address-space limit, no more than a share of the
// space still free is taken, so the heap never grows into a failed reservation.
func memoryLimit(configured int, cgroup func() (uint64, error), addressSpace func() (free int64, ok bool)) (limit int64, from string) {
	if os.Getenv("GOMEMLIMIT") != "" { // the runtime read it at start
		if current := debug.SetMemoryLimit(-1); current != math.MaxInt64 {
			return current, "GOMEMLIMIT"
		}
	}
	switch n, err := cgroup(); {
	case configured > 0:
		limit, from = int64(configured), "memory_limit"
	case err == nil && n > 0 && n < math.MaxInt64:
		limit, from = int64(float64(n)*containerShare), "container"
	default:
		limit, from = fallbackMemoryLimit, "default"
	}
	if free, ok := addressSpace(); ok {
		if capped := int64(float64(free) * addressSpaceShare); capped < limit {
			limit, from = max(capped, 16<<20), "address space limit"
		}
	}
	debug.SetMemoryLimit(limit)
	return limit, from
}

// cgroupLimit reads the container's memory limit (cgroup v1 or v2).
func cgroupLimit() (uint64, error) { return memlimit.FromCgroup() }
