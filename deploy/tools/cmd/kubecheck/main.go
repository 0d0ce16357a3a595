// Command kubecheck validates Kubernetes manifests offline (see package kubecheck): each FILE, or standard input
// for -, such as the output of `helm template`. It prints one line per object and exits 1 if any is invalid.
//
//	helm template monhook deploy/helm/monhook | go run ./cmd/kubecheck -
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/monhook/monhook/deploy/tools/kubecheck"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: kubecheck FILE|- ...")
		os.Exit(2)
	}
	failed := false
	for _, name := range os.Args[1:] {
		if err := check(name); err != nil {
			fmt.Fprintln(os.Stderr, "kubecheck:", err)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

func check(name string) error {
	var r io.Reader = os.Stdin
	if name != "-" {
		f, err := os.Open(name) //nolint:gosec // G304: reading the files named on the command line is this tool's job
		if err != nil {
			return err
		}
		defer func() { _ = f.Close() }()
		r = f
	}
	objects, err := kubecheck.Check(name, r)
	for _, o := range objects {
		fmt.Printf("ok %s %s\n", o.Source, o.ID())
	}
	if err == nil && len(objects) == 0 {
		return fmt.Errorf("%s: no Kubernetes object", name)
	}
	return err
}
