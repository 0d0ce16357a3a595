//go:build readme

package e2e_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The README's shell examples, run as written against the built binary: `make readme-check` installs grpcurl and
// grpc-health-probe (the versions the README names) into bin/ and runs this test with bin/ on PATH. It is behind
// the readme build tag because it needs those tools and curl, which `make test` does not.

// leftOut are the commands this test does not run, with the reason it says for each; a command of any other tool
// not in runnable fails the test, so a new example is either run or consciously left out.
var leftOut = map[string]string{
	"make":    "a make target; CI runs make check-static and make test itself",
	"docker":  "needs a Docker engine and a registry; make image-test builds and runs the image",
	"podman":  "make image-test builds and runs the image",
	"aws":     "needs an AWS account",
	"helm":    "make chart-check renders and validates the chart",
	"kubectl": "needs a Kubernetes cluster",
	"serve":   "a server; this test starts the servers the examples talk to itself",
}

// runnable are the tools whose commands run here.
var runnable = map[string]bool{"grpcurl": true, "grpc-health-probe": true, "curl": true, "bin/monhook": true,
	"go": true, "echo": true, "body": true}

// shellCommand is one command of a README shell block: its continuation lines joined, its trailing comment apart.
type shellCommand struct {
	line    int    // README line the command starts on
	text    string // the command as written
	comment string // the text after " # " on its last line, if any
}

func (c shellCommand) tool() string {
	first := strings.Fields(c.text)[0]
	if strings.HasPrefix(first, "body=") {
		return "body"
	}
	if first == "bin/monhook" && strings.Contains(c.text, " serve") {
		return "serve"
	}
	return first
}

// shellBlocks reads the ```sh blocks of a Markdown text into commands.
func shellBlocks(t *testing.T, md string) [][]shellCommand {
	t.Helper()
	var (
		blocks  [][]shellCommand
		cur     []shellCommand
		in      bool
		pending *shellCommand
	)
	for i, line := range strings.Split(md, "\n") {
		n := i + 1
		switch {
		case !in && line == "```sh":
			in, cur = true, nil
			continue
		case in && line == "```":
			if pending != nil {
				t.Fatalf("README line %d: a shell block ends inside a continued command", n)
			}
			in = false
			blocks = append(blocks, cur)
			continue
		case !in:
			continue
		}
		text, comment := line, ""
		if i := strings.Index(line, " # "); i >= 0 && strings.Count(line[:i], "'")%2 == 0 {
			text, comment = strings.TrimRight(line[:i], " "), strings.TrimSpace(line[i+3:])
		}
		cont := strings.HasSuffix(text, "\\")
		if pending == nil {
			if strings.TrimSpace(text) == "" {
				continue
			}
			pending = &shellCommand{line: n}
		}
		pending.text += text + "\n"
		pending.comment = comment
		if !cont {
			cur = append(cur, *pending)
			pending = nil
		}
	}
	return blocks
}

// TestREADMEShellExamples runs every README shell command it can against real servers (monitoring and Alert
// Manager, each with its admin listener): a command must exit 0, unless its trailing comment is the ERROR_ code
// it is refused with (the README's examples of refused bodies); a curl or grpc-health-probe command's trailing
// comment is the output it must print.
func TestREADMEShellExamples(t *testing.T) {
	for _, tool := range []string{"grpcurl", "grpc-health-probe", "curl", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not on PATH: run this test with make readme-check, which installs the tools it names", tool)
		}
	}
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	mon, monAdmin := startWithAdmin(t)
	am, _ := startWithAdmin(t, "--protocol", "alert_manager")
	bin := filepath.Join(t.TempDir(), "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	// The examples' bin/monhook is a copy of the binary under test, until an example builds its own in its place.
	exe, err := os.ReadFile(binary)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "monhook"), exe, 0o755); err != nil { //nolint:gosec // the test's own temp dir
		t.Fatal(err)
	}

	ran := 0
	for _, block := range shellBlocks(t, string(b)) {
		var run []shellCommand
		for _, c := range block {
			tool := c.tool()
			if why, ok := leftOut[tool]; ok {
				t.Logf("README line %d not run (%s): %s", c.line, why, firstLine(c.text))
				continue
			}
			if !runnable[tool] {
				t.Errorf("README line %d uses %q, which this test neither runs nor leaves out with a reason", c.line, tool)
				continue
			}
			run = append(run, c)
		}
		if len(run) == 0 {
			continue
		}
		ran += len(run)
		runBlock(t, root, bin, run, func(text string) string {
			grpc := mon.addr
			if strings.Contains(text, "spaceone.api.alert_manager.") {
				grpc = am.addr
			}
			text = strings.ReplaceAll(text, "localhost:50051", grpc)
			text = strings.ReplaceAll(text, "localhost:9464", strings.TrimPrefix(monAdmin, "http://"))
			return strings.ReplaceAll(text, "bin/monhook", filepath.Join(bin, "monhook"))
		})
	}
	if ran < 10 {
		t.Errorf("ran %d README commands; the README has more examples than that", ran)
	}
	t.Logf("ran %d README commands", ran)
}

// runBlock runs a block's commands in one shell, so a variable one sets is there for the next, each with its
// output and exit status kept apart, then checks each.
func runBlock(t *testing.T, root, bin string, cmds []shellCommand, rewrite func(string) string) {
	t.Helper()
	dir := t.TempDir()
	var script strings.Builder
	script.WriteString("set -o pipefail\n")
	for i, c := range cmds {
		fmt.Fprintf(&script, "{ %s\n} >%s 2>&1 </dev/null\necho $? >%s\n", strings.TrimRight(rewrite(c.text), "\n"),
			filepath.Join(dir, strconv.Itoa(i)+".out"), filepath.Join(dir, strconv.Itoa(i)+".rc"))
	}
	sh := exec.Command("bash", "-c", script.String())
	sh.Dir = root
	sh.Env = append(cleanEnv(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	if out, err := sh.CombinedOutput(); err != nil {
		t.Fatalf("README block at line %d: the shell failed: %v\n%s", cmds[0].line, err, out)
	}
	for i, c := range cmds {
		out, err := os.ReadFile(filepath.Join(dir, strconv.Itoa(i)+".out"))
		if err != nil {
			t.Fatal(err)
		}
		rc, err := os.ReadFile(filepath.Join(dir, strconv.Itoa(i)+".rc"))
		if err != nil {
			t.Fatal(err)
		}
		code := strings.TrimSpace(string(rc))
		refusal := strings.HasPrefix(c.comment, "ERROR_") // the README marks an example that is refused
		switch {
		case refusal && (code == "0" || !strings.Contains(string(out), c.comment)):
			t.Errorf("README line %d exits %s, its comment says it is refused with %s:\n%s", c.line, code, c.comment, abbreviate(string(out)))
		case !refusal && code != "0":
			t.Errorf("README line %d exits %s:\n%s\n%s", c.line, code, c.text, abbreviate(string(out)))
		case (c.tool() == "curl" || c.tool() == "grpc-health-probe") && c.comment != "" &&
			!strings.Contains(strings.Join(strings.Fields(string(out)), " "), c.comment):
			t.Errorf("README line %d prints %q, its comment says %q", c.line, abbreviate(string(out)), c.comment)
		case len(strings.TrimSpace(string(out))) == 0 && c.tool() != "body" && !strings.HasPrefix(c.text, "go build"):
			t.Errorf("README line %d printed nothing:\n%s", c.line, c.text)
		}
	}
}

func firstLine(s string) string { return strings.TrimSpace(strings.SplitN(s, "\n", 2)[0]) }
