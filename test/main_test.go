// Package e2e_test drives the built monhook binary the way Cloudforet's monitoring service does: a real process
// on a real TCP port, spoken to only through gRPC reflection (v1alpha), with requests built from JSON and answers
// read back as JSON. No generated stub of the plugin services is imported here, so a test passes only if the
// server's reflection data alone is enough to call it.
package e2e_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"go.uber.org/goleak"
)

// stampedVersion is linked into the binary under test, so the tests can tell the build's version from a default.
const stampedVersion = "v0.0.0-e2e"

// binary is the path of the monhook binary TestMain built for this run.
var binary string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

// run builds the binary once, runs the tests, and removes the binary again; it returns the process exit code.
func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "monhook-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: temp dir:", err)
		return 2
	}
	defer func() { _ = os.RemoveAll(dir) }() // best effort: a temp dir left behind fails nothing

	binary = filepath.Join(dir, "monhook")
	// The module root is the parent of test/; the build uses the same -X flag as `make build`.
	build := exec.Command("go", "build", "-ldflags", "-X main.version="+stampedVersion, "-o", binary, "./cmd/monhook")
	build.Dir = ".."
	build.Env = append(os.Environ(), "CGO_ENABLED=0") // as make build: the binary users run
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: FAIL: go build ./cmd/monhook: %v\n%s", err, out)
		return 2
	}

	code := m.Run()
	// Every process, connection and stream a test opened must be gone once its cleanups ran.
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "e2e: leaked goroutines:", err)
			code = 1
		}
	}
	return code
}
