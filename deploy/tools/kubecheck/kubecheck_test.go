package kubecheck_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/monhook/monhook/deploy/tools/kubecheck"
)

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: web:1
          ports: [{name: http, containerPort: 8080}]
          readinessProbe: {grpc: {port: 8080}}
`

func TestCheckAcceptsValidObjects(t *testing.T) {
	stream := deployment + `---
# a template that rendered to nothing
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http, appProtocol: kubernetes.io/h2c}]
---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {name: web, labels: {release: prometheus}}
spec:
  selector: {matchLabels: {app: web}}
  endpoints: [{port: http, interval: 30s}]
`
	objects, err := kubecheck.Check("stream", strings.NewReader(stream))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, o := range objects {
		ids = append(ids, o.Source+" "+o.ID())
	}
	if got, want := strings.Join(ids, ", "), "stream#1 Deployment/web, stream#3 Service/web, stream#4 ServiceMonitor/web"; got != want {
		t.Errorf("objects %s, want %s", got, want)
	}
}

func TestCheckRefusesWhatTheAPIServerWould(t *testing.T) {
	for name, tc := range map[string]struct{ doc, want string }{
		"an unknown field": {
			doc:  strings.Replace(deployment, "image: web:1", "image: web:1\n          imagePolicy: Always", 1),
			want: `.spec.template.spec.containers[name="web"].imagePolicy: field not declared in schema`,
		},
		"a field of the wrong type": {
			doc:  strings.Replace(deployment, "spec:\n  selector", "spec:\n  replicas: two\n  selector", 1),
			want: ".spec.replicas: expected numeric (int or float), got string",
		},
		"a duplicate list key": {
			doc:  strings.Replace(deployment, "[{name: http, containerPort: 8080}]", "[{name: a, containerPort: 8080}, {name: b, containerPort: 8080}]", 1),
			want: "duplicate entries for key [containerPort=8080",
		},
		"a misplaced probe": {
			doc:  strings.Replace(deployment, "readinessProbe: {grpc: {port: 8080}}", "readinessProbe: {grpc: {port: 8080}, path: /readyz}", 1),
			want: "readinessProbe.path: field not declared in schema",
		},
		"a probe with two handlers": {
			doc:  strings.Replace(deployment, "readinessProbe: {grpc: {port: 8080}}", "readinessProbe: {grpc: {port: 8080}, httpGet: {path: /readyz, port: http}}", 1),
			want: "container web: readinessProbe has 2 handlers",
		},
		"a selector that misses the pods": {
			doc:  strings.Replace(deployment, "metadata: {labels: {app: web}}", "metadata: {labels: {app: api}}", 1),
			want: "spec.selector does not match spec.template.metadata.labels",
		},
		"a bad name": {
			doc:  strings.Replace(deployment, "name: web\n  labels", "name: Web_1\n  labels", 1),
			want: `metadata.name "Web_1"`,
		},
		"a bad label value": {
			doc:  strings.Replace(deployment, "labels: {app: web}\nspec", "labels: {app: \"web app\"}\nspec", 1),
			want: "metadata.labels: Invalid value",
		},
		"a Service name that is no DNS label": {
			doc:  "apiVersion: v1\nkind: Service\nmetadata: {name: web.example}\nspec: {ports: [{port: 80}]}\n",
			want: `metadata.name "web.example"`,
		},
		"an API version no longer served": {
			doc:  "apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata: {name: web}\nspec: {maxUnavailable: 1}\n",
			want: "no longer served from Kubernetes 1.25",
		},
		"an unknown kind": {
			doc:  "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n",
			want: `apiVersion "example.com/v1" kind "Widget" is no kind`,
		},
		"a ServiceMonitor with an unknown field": {
			doc:  "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: {name: w}\nspec: {selector: {}, endpoints: [{prot: http}]}\n",
			want: `unknown field "prot"`,
		},
		"a ServiceMonitor that scrapes nothing": {
			doc:  "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: {name: w}\nspec: {selector: {}, endpoints: [{path: /metrics}]}\n",
			want: "spec.endpoints[0].port",
		},
		"no name": {
			doc:  "apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n",
			want: "metadata.name is missing",
		},
		"not an object": {
			doc:  "- a\n- b\n",
			want: "not a Kubernetes object",
		},
	} {
		t.Run(name, func(t *testing.T) {
			objects, err := kubecheck.Check("doc", strings.NewReader(tc.doc))
			var ce *kubecheck.Error
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want a *kubecheck.Error containing %q", err, tc.want)
			}
			if len(objects) != 0 {
				t.Errorf("objects %v passed, want none", objects)
			}
		})
	}
}

func TestCheckReportsEveryBadDocument(t *testing.T) {
	bad := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: A}\n"
	objects, err := kubecheck.Check("s", strings.NewReader(bad+"---\n"+deployment+"---\n"+bad))
	if len(objects) != 1 || err == nil || !strings.Contains(err.Error(), "s#1 ") || !strings.Contains(err.Error(), "s#3 ") {
		t.Errorf("objects %d, error %v; want the good one and both bad ones named", len(objects), err)
	}
}
