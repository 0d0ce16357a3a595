package option

import "slices"

// Source names the payload format that Event.parse reads.
type Source string

// Auto detects the source of each payload; the others name one format each.
const (
	Auto                  Source = "auto"
	Alertmanager          Source = "alertmanager"
	Grafana               Source = "grafana"
	GrafanaLegacy         Source = "grafana_legacy"
	AWSSNS                Source = "aws_sns"
	AzureMonitor          Source = "azure_monitor"
	GoogleCloudMonitoring Source = "google_cloud_monitoring"
	Datadog               Source = "datadog"
	Generic               Source = "generic"
)

// sources is the one list that the option's enum, the published schema and the plugin's supported_sources
// are all derived from.
var sources = []Source{Alertmanager, Grafana, GrafanaLegacy, AWSSNS, AzureMonitor, GoogleCloudMonitoring, Datadog, Generic}

// Sources lists every concrete payload format; the caller owns the returned slice.
func Sources() []Source { return append([]Source(nil), sources...) }

// sourceValues is what the source option accepts: Auto, then Sources.
func sourceValues() []Source { return append([]Source{Auto}, sources...) }

// Valid reports whether s is a value the source option accepts.
func (s Source) Valid() bool { return s == Auto || slices.Contains(sources, s) }
