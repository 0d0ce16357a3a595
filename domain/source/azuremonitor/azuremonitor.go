// Package azuremonitor reads Azure Monitor action group webhooks: the common alert schema and the older ones.
package azuremonitor

import (
	"embed"
	"slices"
	"strings"
	"time"

	"github.com/monhook/monhook/domain/event"
	kit "github.com/monhook/monhook/domain/source/sourcekit"
)

// Name is the value of the source option that names this format.
const Name = "azure_monitor"

//go:embed testdata/*.json
var testdata embed.FS

// Source is the format as the registry lists it.
var Source = kit.Source{Name: Name, Detect: isAzureMonitor, Parse: parseAzureMonitor, Examples: kit.Examples(testdata)}

// The schemaId values an Azure Monitor action group's webhook sends: the common alert schema, and the older
// per-service schemas still sent when the common schema is not enabled on the webhook.
const (
	azureCommonSchema   = "azureMonitorCommonAlertSchema"
	azureMetricSchema   = "AzureMonitorMetricAlert"
	azureActivitySchema = "Microsoft.Insights/activityLogs"
	azureLogSchema      = "Microsoft.Insights/LogAlert" // a classic log search alert of Application Insights
	azureBudgetSchema   = "AIP Budget Notification"
)

// azureSchemas are the schemaId values monhook reads, in the order its errors list them.
var azureSchemas = []string{azureCommonSchema, azureMetricSchema, azureActivitySchema, azureLogSchema, azureBudgetSchema}

// isAzureMonitor: Azure names its schema in schemaId; a classic Log Analytics log search alert has none, but its
// rule name comes with the query or the link to its results.
func isAzureMonitor(doc map[string]any) bool {
	if id, ok := doc["schemaId"].(string); ok && azureSchema(id) != "" {
		return true
	}
	return isAzureLogAlert(doc)
}

func isAzureLogAlert(doc map[string]any) bool {
	return kit.Has(doc, "AlertRuleName") && kit.HasAny(doc, "SearchQuery", "LinkToSearchResults")
}

// azureSchema returns the known schemaId s names, compared without regard to case, or "".
func azureSchema(s string) string {
	s = strings.TrimSpace(s)
	for _, known := range azureSchemas {
		if strings.EqualFold(s, known) {
			return known
		}
	}
	return ""
}

// azureLevels is the default table for every Azure schema: Sev0..Sev4 (common schema), "0".."4" (metric and log
// alerts) and the activity log's level names. Azure calls Sev3 informational and Sev4 verbose; both are INFO,
// since NONE would hide an alert someone chose to be notified of.
var azureLevels = kit.Levels{
	"sev0": event.Critical, "0": event.Critical, "critical": event.Critical,
	"sev1": event.Error, "1": event.Error, "error": event.Error,
	"sev2": event.Warning, "2": event.Warning, "warning": event.Warning,
	"sev3": event.Info, "3": event.Info, "informational": event.Info,
	"sev4": event.Info, "4": event.Info, "verbose": event.Info,
}

// azureLevel reads a level of any Azure schema; an unknown or missing one stays "" for default_severity.
func azureLevel(v any) (level string, sev event.Severity) {
	level = strings.TrimSpace(kit.Text(v))
	return level, azureLevels.Of(level)
}

func parseAzureMonitor(doc map[string]any, c *kit.Call) ([]kit.Alert, error) {
	received := c.Received
	raw, hasID := doc["schemaId"]
	schema := azureSchema(kit.Text(raw))
	if schema == "" && isAzureLogAlert(doc) {
		a := azureLogAlert(doc, received)
		a.Provider = "azure"
		return []kit.Alert{a}, nil
	}
	if schema == "" {
		if !hasID {
			return nil, kit.Invalid(Name, "schemaId", "is missing; enable the common alert schema on the action group's webhook")
		}
		return nil, kit.Invalid(Name, "schemaId", "%q is not one of %s; enable the common alert schema on the action group's webhook",
			kit.Shorten(kit.Text(raw)), strings.Join(azureSchemas, ", "))
	}
	data, ok := doc["data"].(map[string]any)
	if !ok {
		return nil, kit.Invalid(Name, "data", "is not an object")
	}
	var a kit.Alert
	var err error
	switch schema {
	case azureCommonSchema:
		a, err = azureCommon(data, received)
	case azureMetricSchema:
		a, err = azureMetricAlert(data, received)
	case azureActivitySchema:
		a, err = azureActivityLog(data, received)
	case azureLogSchema:
		a = azureLogAlert(data, received)
	case azureBudgetSchema:
		a = azureBudget(data, received)
	}
	if err != nil {
		return nil, err
	}
	a.Provider = "azure"
	return []kit.Alert{a}, nil
}

// azureCommon reads the common alert schema: essentials every alert has, and an alertContext whose shape
// depends on the monitoring service. Every essential but the times may be null or absent (budget alerts have
// no rule, severity or target; service health alerts no configuration items).
func azureCommon(data map[string]any, received time.Time) (kit.Alert, error) {
	ess, ok := data["essentials"].(map[string]any)
	if !ok {
		return kit.Alert{}, kit.Invalid(Name, "data.essentials", "is not an object")
	}
	ctx := kit.Obj(data, "alertContext")
	props := kit.Obj(ctx, "properties")
	a := kit.Alert{Scope: data}
	a.Key = kit.Text(ess["alertId"])
	a.Type = event.Alert
	if strings.EqualFold(strings.TrimSpace(kit.Text(ess["monitorCondition"])), "resolved") {
		a.Type = event.Recovery
	}
	a.Level, a.Severity = azureLevel(ess["severity"])

	if a.Type != event.Recovery || !a.SetTime("resolvedDateTime", ess["resolvedDateTime"], kit.ReadTime, received) {
		a.SetTime("firedDateTime", ess["firedDateTime"], kit.ReadTime, received)
	}

	a.Rule = kit.Text(ess["alertRule"])
	var healthTitle string
	if service := strings.ToLower(strings.ReplaceAll(kit.Text(ess["monitoringService"]), " ", "")); service == "servicehealth" || service == "resourcehealth" {
		// The rule is the same for every incident it reports; the incident's own title tells them apart.
		healthTitle = kit.Text(props["title"])
	}
	budget, _ := kit.Lookup(ctx, []string{"AlertData", "BudgetName"})
	a.Title = kit.FirstNonEmpty(healthTitle, a.Rule, kit.Text(budget), kit.Text(ess["description"]))
	summary := azureConditionSummary(ctx)
	if strings.HasPrefix(strings.ToLower(kit.Text(ess["monitoringService"])), "activity log") {
		summary = azureOperationSummary(ctx)
	}
	a.Description = kit.JoinNonEmpty("\n\n", kit.Text(ess["description"]), summary)

	targets := kit.Strings(ess["alertTargetIDs"])
	items := kit.Strings(ess["configurationItems"])
	a.Resource = azureResource(kit.First(targets), "", kit.First(items))
	scope, _ := kit.Lookup(ctx, []string{"AlertData", "Scope"})
	a.Account = kit.FirstNonEmpty(armSubscription(kit.First(targets)), armSubscription(kit.Text(ess["alertId"])), armSubscription(kit.Text(scope)))

	info := map[string]string{}
	for k, v := range ess {
		if k != "description" { // it is the event's description already
			kit.Put(info, k, v)
		}
	}
	for k, v := range kit.Obj(data, "customProperties") {
		kit.Put(info, "customProperties."+k, v)
	}
	for k, v := range ctx {
		if k != "properties" {
			kit.Put(info, "alertContext."+k, v)
		}
	}
	for k, v := range props {
		kit.Put(info, "alertContext.properties."+k, v)
	}
	azureLinks(info, ctx)
	a.AdditionalInfo = info
	return a, nil
}

// azureMetricAlert reads the older metric alert schema. It has no alert instance id, so the key is what
// identifies one: the rule, the resource and the dimensions of the series, the same when it activates and
// deactivates.
func azureMetricAlert(data map[string]any, received time.Time) (kit.Alert, error) {
	ctx, ok := data["context"].(map[string]any)
	if !ok {
		return kit.Alert{}, kit.Invalid(Name, "data.context", "is not an object")
	}
	a := kit.Alert{Scope: data}
	resourceID := kit.Text(ctx["resourceId"])
	if id := kit.Text(ctx["id"]); id != "" {
		a.Key = kit.JoinNonEmpty("|", id, resourceID, strings.Join(azureDimensions(ctx), ","))
	}
	a.Type = azureStatus(data["status"])
	a.Level, a.Severity = azureLevel(ctx["severity"])
	a.SetTime("timestamp", ctx["timestamp"], kit.ReadTime, received)
	a.Rule = kit.Text(ctx["name"])
	a.Title = a.Rule
	a.Description = kit.JoinNonEmpty("\n\n", kit.Text(ctx["description"]), azureConditionSummary(ctx))
	a.Resource = azureResource(resourceID, kit.Text(ctx["resourceType"]), kit.Text(ctx["resourceName"]))
	a.Account = kit.FirstNonEmpty(kit.Text(ctx["subscriptionId"]), armSubscription(resourceID), armSubscription(kit.Text(ctx["id"])))

	info := map[string]string{}
	for k, v := range ctx {
		if k != "description" {
			kit.Put(info, k, v)
		}
	}
	kit.Put(info, "status", data["status"])
	kit.Put(info, "version", data["version"])
	for k, v := range kit.Obj(data, "properties") { // the rule's custom properties
		kit.Put(info, "customProperties."+k, v)
	}
	a.AdditionalInfo = info
	return a, nil
}

// azureStatus reads the older schemas' status: Activated, or Deactivated when the condition no longer holds
// (Resolved, the common schema's word for it, reads the same).
func azureStatus(v any) event.Type {
	switch strings.ToLower(strings.TrimSpace(kit.Text(v))) {
	case "deactivated", "resolved":
		return event.Recovery
	}
	return event.Alert
}

// azureActivityLog reads the older activity log schema. Activity log alerts are stateless and carry no rule id,
// so the key is what one incident keeps across its notifications: a service health incident's trackingId
// (every update of the incident has it), the resource of a resource health event (its unavailable and available
// events are separate operations), else the operationId (the Started and Succeeded events of one operation
// share it).
func azureActivityLog(data map[string]any, received time.Time) (kit.Alert, error) {
	v, _ := kit.Lookup(data, []string{"context", "activityLog"})
	al, ok := v.(map[string]any)
	if !ok {
		return kit.Alert{}, kit.Invalid(Name, "data.context.activityLog", "is not an object")
	}
	props := kit.Obj(al, "properties")
	eventSource := strings.ToLower(kit.Text(al["eventSource"]))
	resourceID := kit.Text(al["resourceId"])
	a := kit.Alert{Scope: data}
	switch {
	case kit.Text(props["trackingId"]) != "":
		a.Key = kit.Text(props["trackingId"])
	case eventSource == "resourcehealth" && resourceID != "":
		a.Key = resourceID
	default:
		a.Key = kit.FirstNonEmpty(kit.Text(al["operationId"]), kit.Text(al["correlationId"]), kit.Text(al["eventDataId"]))
	}
	a.Type = azureStatus(data["status"])
	switch eventSource {
	case "servicehealth":
		if strings.EqualFold(kit.Text(props["stage"]), "resolved") || strings.EqualFold(kit.Text(al["status"]), "resolved") {
			a.Type = event.Recovery
		}
	case "resourcehealth":
		if strings.EqualFold(kit.Text(props["currentHealthStatus"]), "available") {
			a.Type = event.Recovery
		}
	}
	a.Level, a.Severity = azureLevel(al["level"])

	if !a.SetTime("eventTimestamp", al["eventTimestamp"], kit.ReadTime, received) {
		a.SetTime("submissionTimestamp", al["submissionTimestamp"], kit.ReadTime, received)
	}
	a.Title = kit.FirstNonEmpty(kit.Text(props["title"]), kit.Text(al["operationName"]))
	a.Description = kit.FirstNonEmpty(kit.Text(al["description"]), kit.Text(props["details"]), azureOperationSummary(al))
	a.Resource = azureResource(resourceID, kit.Text(al["resourceType"]), "")
	a.Account = kit.FirstNonEmpty(kit.Text(al["subscriptionId"]), armSubscription(resourceID))

	info := map[string]string{}
	for k, v := range al {
		if k != "properties" {
			kit.Put(info, k, v)
		}
	}
	for k, v := range props {
		kit.Put(info, "properties."+k, v)
	}
	for k, v := range kit.Obj(data, "properties") {
		kit.Put(info, "customProperties."+k, v)
	}
	a.AdditionalInfo = info
	return a, nil
}

// azureLogAlert reads a classic (API 2018-04-16) log search alert: flat at the top for Log Analytics, under data
// for Application Insights. Such alerts never resolve, and the body has no alert id, so the key is the rule in
// its workspace (or application): the same for every firing, never built from the time.
func azureLogAlert(body map[string]any, received time.Time) kit.Alert {
	a := kit.Alert{Scope: body}
	a.Rule = kit.Text(body["AlertRuleName"])
	if a.Rule != "" {
		a.Key = kit.JoinNonEmpty("/", kit.FirstNonEmpty(kit.Text(body["WorkspaceId"]), kit.Text(body["ApplicationId"]), kit.Text(body["SubscriptionId"])), a.Rule)
	}
	a.Type = event.Alert
	a.Level, a.Severity = azureLevel(body["Severity"])
	a.SetTime("SearchIntervalEndtimeUtc", body["SearchIntervalEndtimeUtc"], kit.ReadTime, received) // the evaluation that fired ended then
	a.Title = a.Rule
	a.Description = kit.JoinNonEmpty("\n\n", kit.Text(body["Description"]),
		azureQuerySummary(body["SearchQuery"], body["AlertThresholdOperator"], body["AlertThresholdValue"], body["ResultCount"]))
	resourceID := kit.Text(body["ResourceId"])
	a.Resource = azureResource(resourceID, "", kit.First(kit.Strings(body["AffectedConfigurationItems"])))
	a.Account = kit.FirstNonEmpty(kit.Text(body["SubscriptionId"]), armSubscription(resourceID))
	info := map[string]string{}
	for k, v := range body {
		if k != "Description" {
			kit.Put(info, k, v)
		}
	}
	a.AdditionalInfo = info
	return a
}

// azureBudget reads the older cost budget notification. Budgets do not resolve; the key names the budget, so
// every threshold it crosses updates one alert.
func azureBudget(data map[string]any, received time.Time) kit.Alert {
	a := kit.Alert{Scope: data}
	name := kit.Text(data["BudgetName"])
	if name != "" {
		a.Key = kit.JoinNonEmpty("/", kit.Text(data["SubscriptionId"]), kit.Text(data["ResourceGroup"]), name)
	}
	a.Type = event.Alert
	a.OccurredAt = received // the body has no time of its own
	a.Title = name
	unit := kit.Text(data["Unit"])
	amount := func(label, k string) string {
		if v := kit.Text(data[k]); v != "" {
			return kit.JoinNonEmpty(" ", label, v, unit)
		}
		return ""
	}
	a.Description = kit.JoinNonEmpty(", ", amount("Spent", "SpendingAmount"), amount("budget", "Budget"),
		amount("notification threshold", "NotificationThresholdAmount"))
	a.Account = kit.Text(data["SubscriptionId"])
	info := map[string]string{}
	for k, v := range data {
		kit.Put(info, k, v)
	}
	a.AdditionalInfo = info
	return a
}

// azureConditionSummary writes one line per criterion of an alert's condition (metric alerts, log alerts V2),
// or the expression of a Prometheus alert, or the query of a log alert V1: what was measured against what.
func azureConditionSummary(ctx map[string]any) string {
	if ctx == nil {
		return ""
	}
	if expr := kit.Text(ctx["expression"]); expr != "" {
		return kit.JoinNonEmpty(": ", expr, kit.Text(ctx["expressionValue"]))
	}
	if _, ok := ctx["SearchQuery"]; ok {
		return azureQuerySummary(ctx["SearchQuery"], ctx["Operator"], ctx["Threshold"], ctx["ResultCount"])
	}
	cond := kit.Obj(ctx, "condition")
	items, _ := cond["allOf"].([]any)
	window := kit.Text(cond["windowSize"])
	lines := make([]string, 0, len(items))
	for _, it := range items {
		c, ok := it.(map[string]any)
		if !ok {
			continue
		}
		what := kit.Text(c["metricName"])
		if q := strings.Join(strings.Fields(kit.Text(c["searchQuery"])), " "); what == "" && q != "" {
			what = "Query `" + q + "`"
		}
		if what == "" {
			continue
		}
		line := what
		if agg := kit.JoinNonEmpty(" over ", kit.Text(c["timeAggregation"]), window); agg != "" {
			line += " (" + agg + ")"
		}
		line = kit.JoinNonEmpty(" ", line, kit.Text(c["operator"]), kit.Text(c["threshold"]))
		if v, ok := c["metricValue"]; ok && v != nil {
			line += ": " + kit.Text(v)
		}
		if dims := azureItemDimensions(c); len(dims) > 0 {
			line += " [" + strings.Join(dims, ", ") + "]"
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

// azureOperationSummary writes what an activity log event records: the operation, its status and who called it.
func azureOperationSummary(e map[string]any) string {
	line := kit.JoinNonEmpty(": ", kit.Text(e["operationName"]), kit.Text(e["status"]))
	if caller := kit.Text(e["caller"]); line != "" && caller != "" {
		line += " (caller " + caller + ")"
	}
	return line
}

// azureQuerySummary writes a log alert V1's query, its threshold and how many results it gave.
func azureQuerySummary(query, operator, threshold, count any) string {
	q := strings.Join(strings.Fields(kit.Text(query)), " ")
	if q == "" {
		return ""
	}
	line := kit.JoinNonEmpty(" ", "Query `"+q+"`", kit.Text(operator), kit.Text(threshold))
	if n := kit.Text(count); n != "" {
		line += ": " + n + " results"
	}
	return line
}

// azureDimensions lists the dimensions of every criterion, "name=value", sorted and without repeats, so the
// same series gives the same list in any order Azure writes it.
func azureDimensions(ctx map[string]any) []string {
	items, _ := kit.Obj(ctx, "condition")["allOf"].([]any)
	var out []string
	for _, it := range items {
		if c, ok := it.(map[string]any); ok {
			out = append(out, azureItemDimensions(c)...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func azureItemDimensions(c map[string]any) []string {
	dims, _ := c["dimensions"].([]any)
	out := make([]string, 0, len(dims))
	for _, d := range dims {
		if m, ok := d.(map[string]any); ok && kit.Text(m["name"]) != "" {
			out = append(out, kit.Text(m["name"])+"="+kit.Text(m["value"]))
		}
	}
	return out
}

// azureLinks copies the portal and API links of a log alert's first criterion to the top of additional_info,
// where a person finds them without reading the condition's JSON.
func azureLinks(info map[string]string, ctx map[string]any) {
	items, _ := kit.Obj(ctx, "condition")["allOf"].([]any)
	for _, it := range items {
		c, ok := it.(map[string]any)
		if !ok {
			continue
		}
		for k, v := range c {
			if strings.HasPrefix(k, "linkTo") {
				kit.Put(info, k, v)
			}
		}
		return
	}
}

// azureResource fills a resource from an ARM id, its type as Azure writes it, and a display name; the type falls
// back to the id's provider path and the name to the id's last segment.
func azureResource(id, typ, name string) event.Resource {
	r := event.Resource{ID: id, Type: strings.ToLower(typ), Name: name}
	if id == "" {
		return r
	}
	armType, armName := armTypeAndName(id)
	r.Type = kit.FirstNonEmpty(r.Type, armType)
	r.Name = kit.FirstNonEmpty(r.Name, armName)
	return r
}

// armTypeAndName reads an Azure Resource Manager id, /subscriptions/<id>/resourceGroups/<group>/providers/
// <namespace>/<type>/<name>[/<child type>/<child name>...]: its type (namespace and type segments, lower-cased
// because Azure writes them in any case) and its name (the last segment).
func armTypeAndName(id string) (typ, name string) {
	segs := strings.Split(strings.Trim(id, "/"), "/")
	name = segs[len(segs)-1]
	p := -1
	for i, s := range segs {
		if strings.EqualFold(s, "providers") {
			p = i
		}
	}
	switch {
	case p >= 0 && p+2 < len(segs):
		types := []string{segs[p+1]}
		for i := p + 2; i < len(segs); i += 2 {
			types = append(types, segs[i])
		}
		typ = strings.Join(types, "/")
	case len(segs) == 2 && strings.EqualFold(segs[0], "subscriptions"):
		typ = "microsoft.resources/subscriptions"
	case len(segs) == 4 && strings.EqualFold(segs[2], "resourceGroups"):
		typ = "microsoft.resources/resourcegroups"
	}
	return strings.ToLower(typ), name
}

// armSubscription returns the subscription id of an ARM id (or scope), or "".
func armSubscription(id string) string {
	segs := strings.Split(strings.Trim(id, "/"), "/")
	if len(segs) >= 2 && strings.EqualFold(segs[0], "subscriptions") {
		return segs[1]
	}
	return ""
}
