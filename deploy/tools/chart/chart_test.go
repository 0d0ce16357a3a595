// Package chart_test renders deploy/helm/monhook with the pinned helm (go tool helm) for several sets of values,
// validates every manifest with kubecheck, and checks what the chart promises: probes, ports, GOMEMLIMIT from the
// memory limit, the security context, and selectors that find the pods.
package chart_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"

	"github.com/monhook/monhook/deploy/tools/kubecheck"
)

const chart = "../../helm/monhook"

// helm runs the helm pinned in go.mod; its first build takes minutes, hence the long timeout.
func helm(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", append([]string{"tool", "helm"}, args...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// rendered is one `helm template` of the chart, every object validated, by kind.
type rendered struct {
	deployment     *appsv1.Deployment
	service        *corev1.Service
	pdb            *policyv1.PodDisruptionBudget
	hpa            *autoscalingv2.HorizontalPodAutoscaler
	serviceMonitor *monitoringv1.ServiceMonitor
	serviceAccount *corev1.ServiceAccount
}

// render runs `helm template test <chart> args...`, validates the output with kubecheck and decodes every object.
func render(t *testing.T, args ...string) rendered {
	t.Helper()
	out, err := helm(t, append([]string{"template", "test", chart}, args...)...)
	if err != nil {
		t.Fatalf("helm template %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	objects, err := kubecheck.Check("helm template", strings.NewReader(out))
	if err != nil {
		t.Fatalf("helm template %s: %v", strings.Join(args, " "), err)
	}
	var r rendered
	for _, o := range objects {
		var into any
		switch o.GetKind() {
		case "Deployment":
			r.deployment = &appsv1.Deployment{}
			into = r.deployment
		case "Service":
			r.service = &corev1.Service{}
			into = r.service
		case "PodDisruptionBudget":
			r.pdb = &policyv1.PodDisruptionBudget{}
			into = r.pdb
		case "HorizontalPodAutoscaler":
			r.hpa = &autoscalingv2.HorizontalPodAutoscaler{}
			into = r.hpa
		case "ServiceMonitor":
			r.serviceMonitor = &monitoringv1.ServiceMonitor{}
			into = r.serviceMonitor
		case "ServiceAccount":
			r.serviceAccount = &corev1.ServiceAccount{}
			into = r.serviceAccount
		default:
			t.Fatalf("the chart made a %s, which this test does not know", o.ID())
		}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, into); err != nil {
			t.Fatalf("%s: %v", o.ID(), err)
		}
	}
	if r.deployment == nil || r.service == nil {
		t.Fatalf("helm template %s made no Deployment or no Service", strings.Join(args, " "))
	}
	return r
}

func (r rendered) container(t *testing.T) corev1.Container {
	t.Helper()
	cs := r.deployment.Spec.Template.Spec.Containers
	if len(cs) != 1 {
		t.Fatalf("%d containers, want 1", len(cs))
	}
	return cs[0]
}

func (r rendered) env(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, e := range r.container(t).Env {
		if _, dup := out[e.Name]; dup {
			t.Errorf("env %s set twice", e.Name)
		}
		out[e.Name] = e.Value
	}
	return out
}

// selects reports whether sel selects the Deployment's pods.
func (r rendered) selects(sel map[string]string) bool {
	return len(sel) > 0 && labels.SelectorFromSet(sel).Matches(labels.Set(r.deployment.Spec.Template.Labels))
}

func TestDefaults(t *testing.T) {
	r := render(t)
	d, c := r.deployment, r.container(t)

	if c.Image != "monhook:v0.1.0" {
		t.Errorf("image %q, want the chart's appVersion", c.Image)
	}
	if d.Spec.Replicas != nil {
		t.Errorf("replicas %d set while the autoscaler owns the count", *d.Spec.Replicas)
	}
	ports := map[string]int32{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	if ports["grpc"] != 50051 || ports["admin"] != 9464 {
		t.Errorf("container ports %v, want grpc 50051 and admin 9464", ports)
	}
	// The image's listen address is kept (the supervisor and this chart both use 50051); the admin listener is
	// opened to the pod's interface so that kubelet and Prometheus reach it.
	env := r.env(t)
	if env["MONHOOK_ADMIN_LISTEN"] != "0.0.0.0:9464" || env["MONHOOK_LISTEN"] != "" {
		t.Errorf("env %v, want MONHOOK_ADMIN_LISTEN=0.0.0.0:9464 and no MONHOOK_LISTEN", env)
	}
	// 90% of the 512Mi limit.
	if env["GOMEMLIMIT"] != "483183820" {
		t.Errorf("GOMEMLIMIT %q, want 483183820 (90%% of 512Mi)", env["GOMEMLIMIT"])
	}
	for name, p := range map[string]*corev1.Probe{"readiness": c.ReadinessProbe, "liveness": c.LivenessProbe} {
		if p == nil || p.GRPC == nil || p.GRPC.Port != 50051 || p.GRPC.Service != nil {
			t.Errorf("%s probe %+v, want kubelet's gRPC probe of the whole server on 50051", name, p)
		}
	}
	// A draining pod leaves the endpoints at once (readiness fails once) but is not restarted (liveness allows 30 s).
	if c.ReadinessProbe.FailureThreshold != 1 || c.LivenessProbe.FailureThreshold*c.LivenessProbe.PeriodSeconds < 30 {
		t.Errorf("readiness fails after %d probes, liveness after %d s", c.ReadinessProbe.FailureThreshold, c.LivenessProbe.FailureThreshold*c.LivenessProbe.PeriodSeconds)
	}
	// Above shutdown_grace (20 s), or kubelet's SIGKILL cuts the drain short.
	if g := d.Spec.Template.Spec.TerminationGracePeriodSeconds; g == nil || *g <= 20 {
		t.Errorf("terminationGracePeriodSeconds %v, want more than the 20 s shutdown_grace", g)
	}

	pod, sc := d.Spec.Template.Spec.SecurityContext, c.SecurityContext
	switch {
	case pod == nil || sc == nil:
		t.Fatal("no security context")
	case pod.RunAsNonRoot == nil || !*pod.RunAsNonRoot || pod.RunAsUser == nil || *pod.RunAsUser != 65532:
		t.Errorf("pod security context %+v, want runAsNonRoot and user 65532", pod)
	case pod.SeccompProfile == nil || pod.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault:
		t.Errorf("seccomp profile %+v, want RuntimeDefault", pod.SeccompProfile)
	case sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem:
		t.Errorf("readOnlyRootFilesystem not set")
	case sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation:
		t.Errorf("allowPrivilegeEscalation not false")
	case sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) > 0:
		t.Errorf("capabilities %+v, want every one dropped", sc.Capabilities)
	}
	if a := d.Spec.Template.Spec.AutomountServiceAccountToken; a == nil || *a {
		t.Errorf("automountServiceAccountToken %v, want false: monhook calls no Kubernetes API", a)
	}

	if !r.selects(r.service.Spec.Selector) {
		t.Errorf("the Service's selector %v misses the pods %v", r.service.Spec.Selector, d.Spec.Template.Labels)
	}
	for _, p := range r.service.Spec.Ports {
		if p.TargetPort.StrVal == "" || ports[p.TargetPort.StrVal] == 0 {
			t.Errorf("Service port %s targets %v, which is no named container port", p.Name, p.TargetPort)
		}
	}
	if r.service.Spec.ClusterIP != "" {
		t.Errorf("clusterIP %q, want a normal Service", r.service.Spec.ClusterIP)
	}

	if r.pdb == nil || r.pdb.Spec.MaxUnavailable == nil || r.pdb.Spec.MaxUnavailable.IntValue() != 1 || !r.selects(r.pdb.Spec.Selector.MatchLabels) {
		t.Errorf("PodDisruptionBudget %+v, want maxUnavailable 1 over the pods", r.pdb)
	}

	h := r.hpa
	if h == nil || h.Spec.ScaleTargetRef.Kind != "Deployment" || h.Spec.ScaleTargetRef.Name != d.Name || h.Spec.MinReplicas == nil || *h.Spec.MinReplicas != 2 {
		t.Fatalf("HorizontalPodAutoscaler %+v, want one for the Deployment from 2 replicas", h)
	}
	if m := h.Spec.Metrics; len(m) != 1 || m[0].Resource == nil || m[0].Resource.Name != corev1.ResourceCPU || *m[0].Resource.Target.AverageUtilization != 70 {
		t.Errorf("autoscaler metrics %+v, want CPU at 70%%", m)
	}
	if c.Resources.Requests.Cpu().IsZero() {
		t.Error("no CPU request: the autoscaler's target is a share of it")
	}
	if !c.Resources.Limits.Cpu().IsZero() {
		t.Error("a CPU limit: throttling adds latency, and the autoscaler works from the request")
	}
	if tsc := d.Spec.Template.Spec.TopologySpreadConstraints; len(tsc) != 1 || !r.selects(tsc[0].LabelSelector.MatchLabels) {
		t.Errorf("topology spread %+v, want the pods spread over nodes", tsc)
	}
	if r.serviceMonitor != nil || r.serviceAccount != nil {
		t.Error("a ServiceMonitor or ServiceAccount without being asked for")
	}
}

// TestCIValues renders every values file CI lints (ci/*-values.yaml) and checks what each is for.
func TestCIValues(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(chart, "ci", "*-values.yaml"))
	if len(files) != 3 {
		t.Fatalf("ci values files %v, want the three this test knows", files)
	}

	r := render(t, "-f", filepath.Join(chart, "ci/servicemonitor-values.yaml"))
	sm := r.serviceMonitor
	if sm == nil || !r.selectsService(sm.Spec.Selector.MatchLabels) || sm.Labels["release"] != "prometheus" {
		t.Fatalf("ServiceMonitor %+v, want one selecting the Service, labelled release=prometheus", sm)
	}
	if ep := sm.Spec.Endpoints; len(ep) != 1 || ep[0].Port != "admin" || ep[0].Path != "/metrics" || !r.servicePort("admin") {
		t.Errorf("ServiceMonitor endpoints %+v, want /metrics on the Service's admin port", ep)
	}
	if r.serviceAccount == nil || r.deployment.Spec.Template.Spec.ServiceAccountName != r.serviceAccount.Name {
		t.Errorf("the pods do not run as the chart's ServiceAccount")
	}

	r = render(t, "-f", filepath.Join(chart, "ci/fixed-replicas-values.yaml"))
	if d := r.deployment; d.Spec.Replicas == nil || *d.Spec.Replicas != 3 || r.hpa != nil {
		t.Errorf("replicas %v with autoscaler %v, want 3 and none", d.Spec.Replicas, r.hpa)
	}
	if r.service.Spec.ClusterIP != corev1.ClusterIPNone {
		t.Errorf("clusterIP %q, want None (headless)", r.service.Spec.ClusterIP)
	}
	if p := r.container(t).ReadinessProbe; p.HTTPGet == nil || p.HTTPGet.Path != "/readyz" || p.HTTPGet.Port.StrVal != "admin" || p.PeriodSeconds != 5 {
		t.Errorf("readiness probe %+v, want httpGet /readyz on admin every 5 s", p)
	}
	if p := r.container(t).LivenessProbe; p.HTTPGet == nil || p.HTTPGet.Path != "/healthz" {
		t.Errorf("liveness probe %+v, want httpGet /healthz", p)
	}
	if got := r.env(t)["GOMEMLIMIT"]; got != "966367641" {
		t.Errorf("GOMEMLIMIT %q, want 966367641 (90%% of 1Gi)", got)
	}

	r = render(t, "-f", filepath.Join(chart, "ci/alert-manager-values.yaml"))
	c := r.container(t)
	if want := "registry.example.com/acme/monhook-alert-manager@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"; c.Image != want {
		t.Errorf("image %q, want %q", c.Image, want)
	}
	env := r.env(t)
	for name, want := range map[string]string{
		"MONHOOK_LOG_LEVEL": "debug", "MONHOOK_MAX_CONNECTION_AGE": "5m", "MONHOOK_MAX_EVENTS": "500",
		"MONHOOK_MAX_RECV_MSG_SIZE": "16777216", "MONHOOK_MEMORY_LIMIT": "805306368",
		"OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel-collector.observability:4317",
	} {
		if env[name] != want {
			t.Errorf("env %s = %q, want %q", name, env[name], want)
		}
	}
	if got, ok := env["GOMEMLIMIT"]; ok {
		t.Errorf("GOMEMLIMIT %q beside config.memory_limit, which it would override", got)
	}
	for name, p := range map[string]*corev1.Probe{"readiness": c.ReadinessProbe, "liveness": c.LivenessProbe} {
		if p.Exec == nil || !slices.Equal(p.Exec.Command, []string{"/usr/local/bin/monhook", "health"}) || p.TimeoutSeconds != 3 {
			t.Errorf("%s probe %+v, want exec monhook health with 3 s", name, p)
		}
	}
	if p := c.LivenessProbe; p.PeriodSeconds != 20 || p.FailureThreshold != 2 {
		t.Errorf("liveness timings %+v, want the values file's", p)
	}
	if r.pdb != nil {
		t.Error("a PodDisruptionBudget though it was turned off")
	}
}

func (r rendered) selectsService(sel map[string]string) bool {
	return len(sel) > 0 && labels.SelectorFromSet(sel).Matches(labels.Set(r.service.Labels))
}

func (r rendered) servicePort(name string) bool {
	return slices.ContainsFunc(r.service.Spec.Ports, func(p corev1.ServicePort) bool { return p.Name == name })
}

func TestMemoryLimitUnits(t *testing.T) {
	for limit, want := range map[string]string{"256Mi": "241591910", "2Gi": "1932735283", "500M": "450000000", "1000000000": "900000000"} {
		if got := render(t, "--set", "resources.limits.memory="+limit).env(t)["GOMEMLIMIT"]; got != want {
			t.Errorf("limits.memory %s: GOMEMLIMIT %q, want %q", limit, got, want)
		}
	}
	if got := render(t, "--set", "resources.limits.memory=1Gi", "--set", "goMemLimitPercent=80").env(t)["GOMEMLIMIT"]; got != "858993459" {
		t.Errorf("80%% of 1Gi: GOMEMLIMIT %q, want 858993459", got)
	}
	if env := render(t, "--set", "resources.limits=null").env(t); env["GOMEMLIMIT"] != "" {
		t.Errorf("no memory limit: GOMEMLIMIT %q, want none (monhook's own default)", env["GOMEMLIMIT"])
	}
}

// TestRefusals checks that values the chart cannot honour fail the render with a reason, instead of a pod that
// misbehaves.
func TestRefusals(t *testing.T) {
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"a fractional memory limit":    {[]string{"--set", "resources.limits.memory=0.5Gi"}, `resources.limits.memory "0.5Gi"`},
		"a listen address":             {[]string{"--set", "config.listen=0.0.0.0:6000"}, "additional properties 'listen' not allowed"},
		"a protocol":                   {[]string{"--set", "config.protocol=alert_manager"}, "additional properties 'protocol' not allowed"},
		"a misspelt configuration key": {[]string{"--set", "config.max_event=1"}, "additional properties 'max_event' not allowed"},
		"a configuration value of the wrong type": {
			[]string{"--set", "config.max_events=many"}, "/config/max_events",
		},
		"an unknown variant":                  {[]string{"--set", "variant=alerts"}, "/variant"},
		"an unknown probe type":               {[]string{"--set", "probes.type=tcp"}, "/probes/type"},
		"a misspelt top-level key":            {[]string{"--set", "replicas=3"}, "additional properties 'replicas' not allowed"},
		"an autoscaler without a CPU request": {[]string{"--set", "resources.requests.cpu=null"}, "autoscaling.enabled needs resources.requests.cpu"},
		"a ServiceMonitor of an outward Service": {
			[]string{"--set", "service.type=LoadBalancer", "--set", "serviceMonitor.enabled=true"}, "serviceMonitor.enabled needs service.type ClusterIP",
		},
	} {
		t.Run(name, func(t *testing.T) {
			out, err := helm(t, append([]string{"template", "test", chart}, tc.args...)...)
			if err == nil || !strings.Contains(out, tc.want) {
				t.Errorf("helm template %v: error %v, output %q; want a failure naming %q", tc.args, err, abbreviate(out), tc.want)
			}
		})
	}
}

func abbreviate(s string) string {
	if len(s) > 400 {
		return s[:400] + "..."
	}
	return s
}

// TestSchemaListsEveryConfigurationKey keeps values.schema.json's config keys those of configs/monhook.yaml, but the
// listen addresses the chart sets and the protocol its variant's image sets: a key monhook does not know would be ignored silently, so the schema refuses it.
func TestSchemaListsEveryConfigurationKey(t *testing.T) {
	raw, err := os.ReadFile("../../../configs/monhook.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var file map[string]any
	if err := yaml.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	raw, err = os.ReadFile(filepath.Join(chart, "values.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Properties struct {
			Config struct {
				Properties map[string]struct{ Type string } `json:"properties"`
			} `json:"config"`
		} `json:"properties"`
	}
	if err := yaml.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	inSchema := schema.Properties.Config.Properties
	for key, def := range file {
		if key == "listen" || key == "admin_listen" || key == "protocol" {
			if _, ok := inSchema[key]; ok {
				t.Errorf("values.schema.json allows config.%s, which the chart sets", key)
			}
			continue
		}
		want := "string"
		if _, isNumber := def.(float64); isNumber {
			want = "integer"
		}
		if got, ok := inSchema[key]; !ok || got.Type != want {
			t.Errorf("values.schema.json config.%s = %+v, want type %s", key, got, want)
		}
	}
	for key := range inSchema {
		if _, ok := file[key]; !ok {
			t.Errorf("values.schema.json allows config.%s, which configs/monhook.yaml does not have", key)
		}
	}
}

// TestReadmeDocumentsEveryValue keeps the chart's README.md table in step with values.yaml: one row per leaf key.
func TestReadmeDocumentsEveryValue(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(chart, "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var values map[string]any
	if err := yaml.Unmarshal(raw, &values); err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(chart, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([A-Za-z.]+)` \\|").FindAllStringSubmatch(string(readme), -1) {
		documented[m[1]] = true
	}
	keys := leaves("", values)
	for _, k := range keys {
		if !documented[k] {
			t.Errorf("README.md has no row for %s", k)
		}
		delete(documented, k)
	}
	for k := range documented {
		t.Errorf("README.md documents %s, which values.yaml does not have", k)
	}
}

// leaves lists the dotted keys of v down to the values the README documents: scalars, lists, and maps that are
// values themselves (empty by default, or a Kubernetes object such as a probe or a security context).
func leaves(prefix string, v any) []string {
	m, ok := v.(map[string]any)
	if !ok || len(m) == 0 || prefix != "" && whole[prefix] {
		return []string{prefix}
	}
	var out []string
	for k, sub := range m {
		name := k
		if prefix != "" {
			name = prefix + "." + k
		}
		out = append(out, leaves(name, sub)...)
	}
	slices.Sort(out)
	return out
}

// whole are the maps documented as one value.
var whole = map[string]bool{
	"resources": true, "probes.readiness": true, "probes.liveness": true, "podSecurityContext": true, "securityContext": true,
}

// TestOutwardServiceHasNoAdminPort: /metrics never leaves the cluster through a NodePort or LoadBalancer Service.
func TestOutwardServiceHasNoAdminPort(t *testing.T) {
	for _, typ := range []string{"NodePort", "LoadBalancer"} {
		r := render(t, "--set", "service.type="+typ)
		if !r.servicePort("grpc") || r.servicePort("admin") {
			t.Errorf("service.type %s: ports %+v, want grpc alone", typ, r.service.Spec.Ports)
		}
	}
	if r := render(t); !r.servicePort("admin") {
		t.Errorf("ClusterIP: ports %+v, want the admin port too", r.service.Spec.Ports)
	}
}
