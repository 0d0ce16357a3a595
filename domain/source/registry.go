// Package source is the registry of the payload formats monhook reads: one ordered list, in detection order,
// from which every other list of sources (the source option's values, the published schema, supported_sources,
// the detection error, metric labels, the README's tables) is derived or against which it is checked. Each
// format lives in a folder of its own (domain/source/<name>), with its tests and its real bodies.
package source

import (
	"github.com/monhook/monhook/domain/source/alertmanager"
	"github.com/monhook/monhook/domain/source/appdynamics"
	"github.com/monhook/monhook/domain/source/awssns"
	"github.com/monhook/monhook/domain/source/azuremonitor"
	"github.com/monhook/monhook/domain/source/datadog"
	"github.com/monhook/monhook/domain/source/dockerhub"
	"github.com/monhook/monhook/domain/source/generic"
	"github.com/monhook/monhook/domain/source/googlemonitoring"
	"github.com/monhook/monhook/domain/source/grafana"
	"github.com/monhook/monhook/domain/source/grafanalegacy"
	"github.com/monhook/monhook/domain/source/graylog"
	"github.com/monhook/monhook/domain/source/jenkins"
	"github.com/monhook/monhook/domain/source/jira"
	"github.com/monhook/monhook/domain/source/newrelic"
	"github.com/monhook/monhook/domain/source/ocimonitoring"
	"github.com/monhook/monhook/domain/source/opscruise"
	"github.com/monhook/monhook/domain/source/pagerduty"
	"github.com/monhook/monhook/domain/source/pingdom"
	"github.com/monhook/monhook/domain/source/sentry"
	kit "github.com/monhook/monhook/domain/source/sourcekit"
	"github.com/monhook/monhook/domain/source/terraformcloud"
	"github.com/monhook/monhook/domain/source/uptimekuma"
	"github.com/monhook/monhook/domain/source/zabbix"
)

// registry lists every format in detection order, most specific first: envelopes (SNS, Azure's schemaId,
// Google's incident) before what they may carry; formats known by keys no other has next, those whose keys others
// share before the others (a top-level event object is PagerDuty's with event_type and resource_type, Sentry's
// legacy plugin's beside culprit and project, else Zabbix's beside trigger, host or item objects); a Grafana body
// also has Alertmanager's alerts and groupKey; generic matches any body in event shape, so it comes last.
var registry = []kit.Source{
	awssns.Source,
	azuremonitor.Source,
	googlemonitoring.Source,
	terraformcloud.Source,
	ocimonitoring.Source,
	pagerduty.Source,
	sentry.Source,
	zabbix.Source,
	newrelic.Source,
	pingdom.Source,
	graylog.Source,
	dockerhub.Source,
	jenkins.Source,
	jira.Source,
	appdynamics.Source,
	opscruise.Source,
	uptimekuma.Source,
	datadog.Source,
	grafana.Source,
	alertmanager.Source,
	grafanalegacy.Source,
	generic.Source,
}

// All returns every format in detection order; the caller owns the returned slice.
func All() []kit.Source { return append([]kit.Source(nil), registry...) }

// Names lists the formats' names in detection order.
func Names() []string {
	out := make([]string, len(registry))
	for i, s := range registry {
		out[i] = s.Name
	}
	return out
}

// Lookup returns the format named name.
func Lookup(name string) (kit.Source, bool) {
	for _, s := range registry {
		if s.Name == name {
			return s, true
		}
	}
	return kit.Source{}, false
}

// Detect returns the first format, in detection order, whose detection matches doc, skipping the one named
// except (a carrier that looks inside itself).
func Detect(doc map[string]any, except string) (kit.Source, bool) {
	for _, s := range registry {
		if s.Name != except && s.Detect(doc) {
			return s, true
		}
	}
	return kit.Source{}, false
}
