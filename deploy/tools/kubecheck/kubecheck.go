// Package kubecheck validates Kubernetes manifests offline, against the schemas of the Kubernetes release its
// client-go is built for: the structured-merge-diff schema of every built-in kind (generated from Kubernetes' OpenAPI
// and embedded in client-go), which is what the API server uses to refuse an unknown or duplicate field under
// `fieldValidation=Strict`, and a field of the wrong type always; object names, labels and annotations by the API
// server's own rules; a Deployment's selector against its pod labels; and the Prometheus Operator's ServiceMonitor
// by its Go types, strictly decoded.
package kubecheck

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/applyconfigurations"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"
)

// Object is one manifest that passed every check.
type Object struct {
	*unstructured.Unstructured
	Source string // where it came from: the stream's name and the document's number, "-#3"
}

// ID is Kind/name, as kubectl prints it.
func (o Object) ID() string { return o.GetKind() + "/" + o.GetName() }

// Error lists every problem found in one document.
type Error struct {
	Source, ID string
	Problems   []string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s %s: %s", e.Source, e.ID, strings.Join(e.Problems, "; "))
}

// serviceMonitor is the one custom resource kubecheck knows.
var serviceMonitor = monitoringv1.SchemeGroupVersion.WithKind(monitoringv1.ServiceMonitorsKind)

// converter holds client-go's embedded schema of every built-in kind.
var converter = applyconfigurations.NewTypeConverter(scheme.Scheme)

// Check reads every YAML document of r (named name in messages) and checks each; documents with no object, such as
// a template that rendered only comments, are skipped. It returns the objects that passed, and an error joining one
// *Error per document that did not.
func Check(name string, r io.Reader) ([]Object, error) {
	var objects []Object
	var errs []error
	docs := utilyaml.NewYAMLReader(bufio.NewReader(r))
	for n := 1; ; n++ {
		doc, err := docs.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return objects, fmt.Errorf("%s: document %d: %w", name, n, err)
		}
		source := fmt.Sprintf("%s#%d", name, n)
		obj, problems := checkDocument(doc)
		switch {
		case obj == nil && len(problems) == 0: // nothing but comments
		case len(problems) > 0:
			id := "(unnamed)"
			if obj != nil {
				id = obj.GetKind() + "/" + obj.GetName()
			}
			errs = append(errs, &Error{Source: source, ID: id, Problems: problems})
		default:
			objects = append(objects, Object{Unstructured: obj, Source: source})
		}
	}
	return objects, errors.Join(errs...)
}

func checkDocument(doc []byte) (*unstructured.Unstructured, []string) {
	js, err := yaml.YAMLToJSON(doc)
	if err != nil {
		return nil, []string{"not YAML: " + err.Error()}
	}
	if bytes.Equal(bytes.TrimSpace(js), []byte("null")) {
		return nil, nil
	}
	obj := &unstructured.Unstructured{}
	if err := obj.UnmarshalJSON(js); err != nil {
		return nil, []string{"not a Kubernetes object: " + err.Error()}
	}
	problems := checkMeta(obj)
	gvk := obj.GroupVersionKind()
	switch {
	case gvk == serviceMonitor:
		problems = append(problems, checkServiceMonitor(js)...)
	case scheme.Scheme.Recognizes(gvk):
		if removed := removedIn(gvk); removed != "" {
			problems = append(problems, fmt.Sprintf("apiVersion %q of %s is deprecated and no longer served from Kubernetes %s", obj.GetAPIVersion(), gvk.Kind, removed))
		}
		if _, err := converter.ObjectToTyped(obj); err != nil {
			problems = append(problems, splitErrors(err)...)
		}
		if gvk == appsv1.SchemeGroupVersion.WithKind("Deployment") {
			problems = append(problems, checkDeployment(obj)...)
		}
	default:
		problems = append(problems, fmt.Sprintf("apiVersion %q kind %q is no kind of this Kubernetes release (or a removed version of one)", obj.GetAPIVersion(), obj.GetKind()))
	}
	return obj, problems
}

// removedIn is the Kubernetes release that stops serving gvk ("1.25"), or "" for a version with no end: every
// beta version states one in its generated lifecycle methods, the ones Helm's deprecation check reads too.
func removedIn(gvk schema.GroupVersionKind) string {
	obj, err := scheme.Scheme.New(gvk)
	if err != nil {
		return ""
	}
	if l, ok := obj.(interface{ APILifecycleRemoved() (major, minor int) }); ok {
		if major, minor := l.APILifecycleRemoved(); major > 0 {
			return fmt.Sprintf("%d.%d", major, minor)
		}
	}
	return ""
}

// checkMeta applies the API server's rules for names, labels and annotations.
func checkMeta(obj *unstructured.Unstructured) []string {
	var problems []string
	name := obj.GetName()
	isName := validation.IsDNS1123Subdomain
	if obj.GroupVersionKind() == (schema.GroupVersionKind{Version: "v1", Kind: "Service"}) {
		isName = validation.IsDNS1035Label // a Service's name is a DNS label
	}
	if name == "" {
		problems = append(problems, "metadata.name is missing")
	}
	for _, msg := range isName(name) {
		if name != "" {
			problems = append(problems, fmt.Sprintf("metadata.name %q: %s", name, msg))
		}
	}
	meta := field.NewPath("metadata")
	errs := metavalidation.ValidateLabels(obj.GetLabels(), meta.Child("labels"))
	errs = append(errs, apivalidation.ValidateAnnotations(obj.GetAnnotations(), meta.Child("annotations"))...)
	for _, e := range errs {
		problems = append(problems, e.Error())
	}
	return problems
}

// checkDeployment applies the rule the API server applies before any other: the selector selects the pod template.
func checkDeployment(obj *unstructured.Unstructured) []string {
	var d appsv1.Deployment
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj.Object, &d); err != nil {
		return []string{err.Error()}
	}
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	switch {
	case d.Spec.Selector == nil:
		return []string{"spec.selector is missing"}
	case err != nil:
		return []string{"spec.selector: " + err.Error()}
	case sel.Empty():
		return []string{"spec.selector selects every pod"}
	case !sel.Matches(labels.Set(d.Spec.Template.Labels)):
		return []string{"spec.selector does not match spec.template.metadata.labels"}
	}
	return checkProbes(d.Spec.Template.Spec)
}

// checkProbes applies the API server's rule that a probe has exactly one handler: values merged over a chart's
// default probe easily leave two.
func checkProbes(pod corev1.PodSpec) []string {
	var problems []string
	for _, c := range pod.Containers {
		for name, p := range map[string]*corev1.Probe{"readinessProbe": c.ReadinessProbe, "livenessProbe": c.LivenessProbe, "startupProbe": c.StartupProbe} {
			if p == nil {
				continue
			}
			n := 0
			for _, set := range []bool{p.Exec != nil, p.HTTPGet != nil, p.TCPSocket != nil, p.GRPC != nil} {
				if set {
					n++
				}
			}
			if n != 1 {
				problems = append(problems, fmt.Sprintf("container %s: %s has %d handlers, want exactly one of exec, httpGet, tcpSocket and grpc", c.Name, name, n))
			}
		}
	}
	slices.Sort(problems)
	return problems
}

// checkServiceMonitor decodes the document into the Prometheus Operator's type, refusing unknown fields.
func checkServiceMonitor(js []byte) []string {
	var sm monitoringv1.ServiceMonitor
	if err := yaml.UnmarshalStrict(js, &sm); err != nil {
		return []string{err.Error()}
	}
	var problems []string
	if len(sm.Spec.Endpoints) == 0 {
		problems = append(problems, "spec.endpoints is empty: nothing would be scraped")
	}
	for i, ep := range sm.Spec.Endpoints {
		if ep.Port == "" {
			problems = append(problems, fmt.Sprintf("spec.endpoints[%d].port: name the Service's port", i))
		}
	}
	return problems
}

// splitErrors turns structured-merge-diff's multi-line list into one problem per line.
func splitErrors(err error) []string {
	var out []string
	for _, line := range strings.Split(err.Error(), "\n") {
		if line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "-")); line != "" && line != "errors:" {
			out = append(out, line)
		}
	}
	return out
}
