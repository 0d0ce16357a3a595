{{/* The chart's name, or nameOverride. */}}
{{- define "monhook.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The objects' name: fullnameOverride, else the release name, with the chart's name unless it holds it already. */}}
{{- define "monhook.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "monhook.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "monhook.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* The labels a selector matches: they never change for a release. */}}
{{- define "monhook.selectorLabels" -}}
app.kubernetes.io/name: {{ include "monhook.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Every object's labels. */}}
{{- define "monhook.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "monhook.selectorLabels" . }}
app.kubernetes.io/version: {{ include "monhook.tag" . | trunc 63 | quote }}
app.kubernetes.io/component: {{ .Values.variant }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "monhook.tag" -}}
{{- .Values.image.tag | default .Chart.AppVersion -}}
{{- end -}}

{{/* The image: <repository>[-alert-manager], by digest when one is given, else by tag. */}}
{{- define "monhook.image" -}}
{{- $repo := .Values.image.repository -}}
{{- if eq .Values.variant "alert-manager" -}}
{{- $repo = printf "%s-alert-manager" $repo -}}
{{- else if ne .Values.variant "monitoring" -}}
{{- fail (printf "variant %q: want monitoring or alert-manager" .Values.variant) -}}
{{- end -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" $repo .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" $repo (include "monhook.tag" .) -}}
{{- end -}}
{{- end -}}

{{- define "monhook.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "monhook.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/*
A value as text. YAML numbers reach templates as float64, which toString writes in exponent form past a million
(16777216 becomes "1.6777216e+07", which monhook cannot read as an integer): whole numbers are written as integers.
*/}}
{{- define "monhook.text" -}}
{{- if and (kindIs "float64" .) (eq (floor .) .) -}}
{{- printf "%.0f" . -}}
{{- else -}}
{{- toString . -}}
{{- end -}}
{{- end -}}

{{/*
A Kubernetes memory quantity in bytes: an integer with no suffix, or a binary (Ki, Mi, Gi, Ti) or decimal (k, M, G, T)
one. Fractions and exponents are refused rather than guessed.
*/}}
{{- define "monhook.bytes" -}}
{{- $q := include "monhook.text" . -}}
{{- $units := dict "" 1 "Ki" 1024 "Mi" 1048576 "Gi" 1073741824 "Ti" 1099511627776 "k" 1000 "M" 1000000 "G" 1000000000 "T" 1000000000000 -}}
{{- $digits := regexFind "^[0-9]+" $q -}}
{{- $suffix := trimPrefix $digits $q -}}
{{- if or (not $digits) (not (hasKey $units $suffix)) -}}
{{- fail (printf "resources.limits.memory %q: want an integer with an optional Ki, Mi, Gi, Ti, k, M, G or T suffix" $q) -}}
{{- end -}}
{{- mul (int64 $digits) (get $units $suffix) -}}
{{- end -}}

{{/*
A probe: the handler probes.type names, with the timings of probes.<kind>. An exec probe gets 3 s unless told
otherwise: kubelet's default, 1 s, leaves little room to start a process on a busy node.
*/}}
{{- define "monhook.probe" -}}
{{- $timing := get .Values.probes .kind | default dict -}}
{{- $type := .Values.probes.type -}}
{{- if eq $type "grpc" -}}
grpc:
  port: 50051
{{- else if eq $type "exec" -}}
exec:
  command: [/usr/local/bin/monhook, health]
{{- if not (hasKey $timing "timeoutSeconds") }}
timeoutSeconds: 3
{{- end }}
{{- else if eq $type "http" -}}
httpGet:
  path: {{ ternary "/readyz" "/healthz" (eq .kind "readiness") }}
  port: admin
{{- else -}}
{{- fail (printf "probes.type %q: want grpc, exec or http" $type) -}}
{{- end }}
{{- with $timing }}
{{ toYaml . }}
{{- end }}
{{- end -}}
