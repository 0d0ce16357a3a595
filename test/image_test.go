//go:build image && linux

// The container images, built and run with podman: `make image-test` builds them offline (make image-local) and
// runs these tests with the names below. They need podman and a container runtime, which plain `make test` does
// not, hence the build tag; without the images they fail, never skip.

package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// imageSizeLimit bounds the image: the static binary and a few hundred KB of base. A larger image means something
// else got in.
const imageSizeLimit = 32 << 20

// rlimitNproc is RLIMIT_NPROC on Linux; package syscall does not name it.
const rlimitNproc = 6

// imageConfig is what `podman image inspect` says of an image, as far as these tests read it.
type imageConfig struct {
	Size   int64
	Config struct {
		User         string
		Env          []string
		Entrypoint   []string
		Cmd          []string
		WorkingDir   string
		ExposedPorts map[string]struct{}
		Labels       map[string]string
	}
	RootFS struct{ Layers []string }
	// Healthcheck is kept only in the docker image format, which make image-local builds.
	Healthcheck *struct {
		Test     []string
		Interval time.Duration
		Timeout  time.Duration
	}
}

// images are the names `make image-test` passes: the plugin image and its Alert Manager variant, with their tag.
func images(t *testing.T) (plain, variant, version string) {
	t.Helper()
	plain, variant, version = os.Getenv("MONHOOK_IMAGE"), os.Getenv("MONHOOK_IMAGE_VARIANT"), os.Getenv("MONHOOK_IMAGE_VERSION")
	if plain == "" || variant == "" || version == "" {
		t.Fatal("MONHOOK_IMAGE, MONHOOK_IMAGE_VARIANT and MONHOOK_IMAGE_VERSION are not set: run `make image-test`, which builds the images first")
	}
	return plain, variant, version
}

// podman runs podman with args and returns its standard output; a failure fails the test.
func podman(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "podman", args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("podman %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

func inspectImage(t *testing.T, name string) imageConfig {
	t.Helper()
	var out []imageConfig
	if err := json.Unmarshal([]byte(podman(t, "image", "inspect", name)), &out); err != nil || len(out) != 1 {
		t.Fatalf("podman image inspect %s: %v (%d images)", name, err, len(out))
	}
	return out[0]
}

// containerUlimit caps the container's open-file and process limits. podman asks runc for its defaults (a million
// files), which a sandbox without CAP_SYS_RESOURCE refuses ("error setting rlimit ... operation not permitted");
// these tests open a few connections and threads.
const containerUlimit = 4096

// ulimits are --ulimit flags for the container: containerUlimit, or this process's own limit where it is lower.
func ulimits(t *testing.T) []string {
	t.Helper()
	var args []string
	for _, l := range []struct {
		name string
		res  int
	}{{"nofile", syscall.RLIMIT_NOFILE}, {"nproc", rlimitNproc}} {
		var r syscall.Rlimit
		if err := syscall.Getrlimit(l.res, &r); err != nil {
			t.Fatalf("getrlimit %s: %v", l.name, err)
		}
		n := min(r.Cur, containerUlimit)
		args = append(args, "--ulimit", fmt.Sprintf("%s=%d:%d", l.name, n, n))
	}
	return args
}

// container is one `podman run` of an image, in the foreground, so its log is the process's output.
type container struct {
	*server
	name  string
	admin string // host:port of its admin listener
}

// runImage runs image with extra podman run flags, publishing gRPC and the admin listener on free loopback ports,
// and waits until it is SERVING. The container is removed when the test ends.
func runImage(t *testing.T, image string, extra ...string) *container {
	t.Helper()
	c := &container{name: fmt.Sprintf("monhook-image-test-%d-%d", os.Getpid(), time.Now().UnixNano())}
	// Registered before the run, so it runs after the run's own cleanup has stopped it: a no-op unless that failed.
	t.Cleanup(func() { _ = exec.Command("podman", "rm", "--force", "--ignore", c.name).Run() })
	c.server = startOn(t, func(port int) (launchSpec, string) {
		c.admin = local(freePort(t))
		args := append([]string{"run", "--rm", "--name", c.name,
			"-p", local(port) + ":50051", "-p", c.admin + ":9464",
			// The admin listener is loopback-only by default; published, it must listen on the container's interface.
			"-e", "MONHOOK_ADMIN_LISTEN=0.0.0.0:9464",
			// podman schedules HEALTHCHECKs with systemd timers, which a machine without systemd lacks; the tests
			// run the check themselves (podman healthcheck run).
			"--health-interval", "disable",
		}, ulimits(t)...)
		args = append(append(args, extra...), image)
		// In the foreground: podman's output is the container's log, and its exit code the container's.
		return launchSpec{shell: true, args: append([]string{"-c", `exec podman "$@"`, "podman"}, args...)}, local(port)
	})
	return c
}

// uid is the user id the container's process runs as, read from the host's /proc.
func (c *container) uid(t *testing.T) string {
	t.Helper()
	pid := strings.TrimSpace(podman(t, "inspect", "--format", "{{.State.Pid}}", c.name))
	status, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[0] == "Uid:" {
			return f[1]
		}
	}
	t.Fatalf("/proc/%s/status has no Uid line", pid)
	return ""
}

// get fetches http://addr/path and returns the status code and body.
func get(t *testing.T, addr, path string) (int, string) {
	t.Helper()
	client := http.Client{Timeout: callTimeout}
	resp, err := client.Get("http://" + addr + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return resp.StatusCode, string(b)
}

// sigterm sends SIGTERM to the container's process, as a container runtime's stop does, and expects exit 0
// well within the shutdown grace: nothing is in flight.
func (c *container) sigterm(t *testing.T) {
	t.Helper()
	start := time.Now()
	podman(t, "kill", "--signal", "TERM", c.name)
	code, ok := c.wait(exitTimeout)
	switch {
	case !ok:
		t.Fatalf("the container did not exit within %s of SIGTERM", exitTimeout)
	case code != 0:
		t.Errorf("the container exited with code %d after SIGTERM, want 0", code)
	case time.Since(start) > drainExit:
		t.Errorf("the container took %s to exit after SIGTERM with no call in flight", time.Since(start))
	}
	t.Logf("SIGTERM: exit %d after %s", code, time.Since(start).Round(time.Millisecond))
}

// parseAlert calls Event.parse through reflection with one Alertmanager alert and checks the event it answers.
func parseAlert(t *testing.T, addr string) {
	t.Helper()
	got := dial(t, addr).mustCall(t, "Event.parse", parseReq(`{}`, amBody(1, 10)))
	results, _ := got["results"].([]any)
	if len(results) != 1 {
		t.Fatalf("Event.parse answered %d events, want 1: %s", len(results), show(got))
	}
	if ev, _ := results[0].(map[string]any); ev["event_type"] != "ALERT" || ev["event_key"] == "" {
		t.Errorf("Event.parse answered %s, want an ALERT with an event_key", show(got))
	}
}

func TestImageConfiguration(t *testing.T) {
	plain, variant, version := images(t)
	img := inspectImage(t, plain)
	cfg := img.Config
	t.Logf("%s: %d bytes, user %s", plain, img.Size, cfg.User)

	if img.Size > imageSizeLimit {
		t.Errorf("image size %d bytes, want at most %d", img.Size, imageSizeLimit)
	}
	// Numeric, so kubelet can check runAsNonRoot; 65532 is distroless's nonroot.
	if cfg.User != "65532:65532" {
		t.Errorf("USER %q, want 65532:65532", cfg.User)
	}
	if want := []string{"/usr/local/bin/monhook", "serve"}; !slices.Equal(cfg.Entrypoint, want) || len(cfg.Cmd) != 0 {
		t.Errorf("entrypoint %q, cmd %q; want %q and none: Cloudforet's supervisor passes no command or arguments", cfg.Entrypoint, cfg.Cmd, want)
	}
	if cfg.WorkingDir != "/app" {
		t.Errorf("working directory %q, want /app, where configs/monhook.yaml is", cfg.WorkingDir)
	}
	if _, ok := cfg.ExposedPorts["50051/tcp"]; !ok || len(cfg.ExposedPorts) != 2 {
		t.Errorf("exposed ports %v, want 50051/tcp and 9464/tcp", cfg.ExposedPorts)
	}
	if _, ok := cfg.ExposedPorts["9464/tcp"]; !ok {
		t.Errorf("exposed ports %v, want 9464/tcp", cfg.ExposedPorts)
	}
	for label, want := range map[string]string{
		"org.opencontainers.image.source":   "https://github.com/monhook/monhook",
		"org.opencontainers.image.licenses": "Apache-2.0",
		"org.opencontainers.image.version":  version,
	} {
		if got := cfg.Labels[label]; got != want {
			t.Errorf("label %s = %q, want %q", label, got, want)
		}
	}
	if rev := cfg.Labels["org.opencontainers.image.revision"]; len(rev) < 40 {
		t.Errorf("label org.opencontainers.image.revision = %q, want the commit", rev)
	}
	if hc := img.Healthcheck; hc == nil || !slices.Equal(hc.Test, []string{"CMD", "/usr/local/bin/monhook", "health"}) {
		t.Errorf("HEALTHCHECK %+v, want CMD monhook health", hc)
	}

	// The variant is the same image with one more variable: every layer shared, nothing else changed.
	v := inspectImage(t, variant)
	if !slices.Equal(v.RootFS.Layers, img.RootFS.Layers) {
		t.Errorf("%s has layers %v, want %s's %v", variant, v.RootFS.Layers, plain, img.RootFS.Layers)
	}
	if want := append(slices.Clone(cfg.Env), "MONHOOK_PROTOCOL=alert_manager"); !slices.Equal(v.Config.Env, want) {
		t.Errorf("%s env %q, want %q", variant, v.Config.Env, want)
	}
	vc := v.Config
	vc.Env = cfg.Env
	if !reflect.DeepEqual(vc, cfg) || !reflect.DeepEqual(v.Healthcheck, img.Healthcheck) {
		t.Errorf("%s differs from %s beyond MONHOOK_PROTOCOL:\n%+v\n%+v", variant, plain, v.Config, cfg)
	}
}

func TestImageServesAsNonRootOnAReadOnlyRoot(t *testing.T) {
	plain, _, _ := images(t)
	// As Kubernetes runs it with the chart's securityContext.
	c := runImage(t, plain, "--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges")
	if uid := c.uid(t); uid != "65532" {
		t.Errorf("the process runs as uid %s, want 65532", uid)
	}
	servesProtocol(t, c.addr, monitoringPackage)
	parseAlert(t, c.addr)

	if code, body := get(t, c.admin, "/readyz"); code != http.StatusOK || body != "SERVING\n" {
		t.Errorf("/readyz = %d %q, want 200 SERVING", code, body)
	}
	if _, body := get(t, c.admin, "/metrics"); !strings.Contains(body, `grpc_method="parse"`) {
		t.Errorf("/metrics has no parse series")
	}
	// The image's HEALTHCHECK, as the container engine runs it, and `monhook health` as an exec probe runs it.
	if out, err := exec.Command("podman", "healthcheck", "run", c.name).CombinedOutput(); err != nil {
		t.Errorf("podman healthcheck run: %v: %s", err, out)
	}
	if out := podman(t, "exec", c.name, "/usr/local/bin/monhook", "health"); out != "127.0.0.1:50051: SERVING\n" {
		t.Errorf("monhook health in the container printed %q", out)
	}
	c.sigterm(t)
}

func TestImageRunsAsAnArbitraryUser(t *testing.T) {
	plain, _, _ := images(t)
	// As OpenShift's restricted policy runs images: a UID the image has never heard of, group 0.
	c := runImage(t, plain, "--read-only", "--user", "1000470000:0")
	if uid := c.uid(t); uid != "1000470000" {
		t.Errorf("the process runs as uid %s, want 1000470000", uid)
	}
	parseAlert(t, c.addr)
	c.sigterm(t)
}

func TestImageAlertManagerVariantServes(t *testing.T) {
	_, variant, _ := images(t)
	c := runImage(t, variant, "--read-only")
	// MONHOOK_PROTOCOL=alert_manager, from the image alone: Cloudforet's supervisor passes no environment of its own.
	servesProtocol(t, c.addr, alertManagerPackage)
	parseAlert(t, c.addr)
	if out := podman(t, "exec", c.name, "/usr/local/bin/monhook", "health"); !strings.HasSuffix(out, ": SERVING\n") {
		t.Errorf("monhook health in the container printed %q", out)
	}
	if _, body := get(t, c.admin, "/readyz"); body != "SERVING\n" {
		t.Errorf("/readyz = %q, want SERVING", body)
	}
	c.sigterm(t)
}
