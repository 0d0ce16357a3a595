//go:build !linux

package main

// freeAddressSpace reports no address-space limit where RLIMIT_AS cannot be read the Linux way.
func freeAddressSpace() (int64, bool) { return 0, false }
