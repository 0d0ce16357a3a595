package source

import (
	"slices"
	"strings"
	"time"

	"github.com/monhook/monhook/domain/event"
	"github.com/monhook/monhook/domain/option"
)

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
	return has(doc, "AlertRuleName") && hasAny(doc, "SearchQuery", "LinkToSearchResults")
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
var azureLevels = map[string]event.Severity{
	"sev0": event.Critical, "0": event.Critical, "critical": event.Critical,
	"sev1": event.Error, "1": event.Error, "error": event.Error,
	"sev2": event.Warning, "2": event.Warning, "warning": event.Warning,
	"sev3": event.Info, "3": event.Info, "informational": event.Info,
	"sev4": event.Info, "4": event.Info, "verbose": event.Info,
}

// azureLevel reads a level of any Azure schema; an unknown or missing one stays "" for default_severity.
func azureLevel(v any) (level string, sev event.Severity) {
	level = strings.TrimSpace(text(v))
	return level, azureLevels[event.FoldLevel(level)]
}

func parseAzureMonitor(doc map[string]any, c *call) ([]Alert, error) {
	received := c.received
	raw, hasID := doc["schemaId"]
	schema := azureSchema(text(raw))
	if schema == "" && isAzureLogAlert(doc) {
		a := azureLogAlert(doc, received)
		a.Provider = "azure"
		return []Alert{a}, nil
	}
	if schema == "" {
		if !hasID {
			return nil, invalid(option.AzureMonitor, "schemaId", "is missing; enable the common alert schema on the action group's webhook")
		}
		return nil, invalid(option.AzureMonitor, "schemaId", "%q is not one of %s; enable the common alert schema on the action group's webhook",
			shorten(text(raw)), strings.Join(azureSchemas, ", "))
	}
	data, ok := doc["data"].(map[string]any)
	if !ok {
		return nil, invalid(option.AzureMonitor, "data", "is not an object")
	}
	var a Alert
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
	return []Alert{a}, nil
}

// azureCommon reads the common alert schema: essentials every alert has, and an alertContext whose shape
// depends on the monitoring service. Every essential but the times may be null or absent (budget alerts have
// no rule, severity or target; service health alerts no configuration items).
func azureCommon(data map[string]any, received time.Time) (Alert, error) {
	ess, ok := data["essentials"].(map[string]any)
	if !ok {
		return Alert{}, invalid(option.AzureMonitor, "data.essentials", "is not an object")
	}
	ctx := obj(data, "alertContext")
	props := obj(ctx, "properties")
	a := Alert{Scope: data}
	a.Key = text(ess["alertId"])
	a.Type = event.Alert
	if strings.EqualFold(strings.TrimSpace(text(ess["monitorCondition"])), "resolved") {
		a.Type = event.Recovery
	}
	a.Level, a.Severity = azureLevel(ess["severity"])

	if a.Type != event.Recovery || !a.setTime("resolvedDateTime", ess["resolvedDateTime"], readTime, received) {
		a.setTime("firedDateTime", ess["firedDateTime"], readTime, received)
	}

	a.Rule = text(ess["alertRule"])
	var healthTitle string
	if service := strings.ToLower(strings.ReplaceAll(text(ess["monitoringService"]), " ", "")); service == "servicehealth" || service == "resourcehealth" {
		// The rule is the same for every incident it reports; the incident's own title tells them apart.
		healthTitle = text(props["title"])
	}
	budget, _ := lookup(ctx, []string{"AlertData", "BudgetName"})
	a.Title = firstNonEmpty(healthTitle, a.Rule, text(budget), text(ess["description"]))
	summary := azureConditionSummary(ctx)
	if strings.HasPrefix(strings.ToLower(text(ess["monitoringService"])), "activity log") {
		summary = azureOperationSummary(ctx)
	}
	a.Description = joinNonEmpty("\n\n", text(ess["description"]), summary)

	targets := azureStrings(ess["alertTargetIDs"])
	items := azureStrings(ess["configurationItems"])
	a.Resource = azureResource(first(targets), "", first(items))
	scope, _ := lookup(ctx, []string{"AlertData", "Scope"})
	a.Account = firstNonEmpty(armSubscription(first(targets)), armSubscription(text(ess["alertId"])), armSubscription(text(scope)))

	info := map[string]string{}
	for k, v := range ess {
		if k != "description" { // it is the event's description already
			flatPut(info, k, v)
		}
	}
	for k, v := range obj(data, "customProperties") {
		flatPut(info, "customProperties."+k, v)
	}
	for k, v := range ctx {
		if k != "properties" {
			flatPut(info, "alertContext."+k, v)
		}
	}
	for k, v := range props {
		flatPut(info, "alertContext.properties."+k, v)
	}
	azureLinks(info, ctx)
	a.AdditionalInfo = info
	return a, nil
}

// azureMetricAlert reads the older metric alert schema. It has no alert instance id, so the key is what
// identifies one: the rule, the resource and the dimensions of the series, the same when it activates and
// deactivates.
func azureMetricAlert(data map[string]any, received time.Time) (Alert, error) {
	ctx, ok := data["context"].(map[string]any)
	if !ok {
		return Alert{}, invalid(option.AzureMonitor, "data.context", "is not an object")
	}
	a := Alert{Scope: data}
	resourceID := text(ctx["resourceId"])
	if id := text(ctx["id"]); id != "" {
		a.Key = joinNonEmpty("|", id, resourceID, strings.Join(azureDimensions(ctx), ","))
	}
	a.Type = azureStatus(data["status"])
	a.Level, a.Severity = azureLevel(ctx["severity"])
	a.setTime("timestamp", ctx["timestamp"], readTime, received)
	a.Rule = text(ctx["name"])
	a.Title = a.Rule
	a.Description = joinNonEmpty("\n\n", text(ctx["description"]), azureConditionSummary(ctx))
	a.Resource = azureResource(resourceID, text(ctx["resourceType"]), text(ctx["resourceName"]))
	a.Account = firstNonEmpty(text(ctx["subscriptionId"]), armSubscription(resourceID), armSubscription(text(ctx["id"])))

	info := map[string]string{}
	for k, v := range ctx {
		if k != "description" {
			flatPut(info, k, v)
		}
	}
	flatPut(info, "status", data["status"])
	flatPut(info, "version", data["version"])
	for k, v := range obj(data, "properties") { // the rule's custom properties
		flatPut(info, "customProperties."+k, v)
	}
	a.AdditionalInfo = info
	return a, nil
}

// azureStatus reads the older schemas' status: Activated, or Deactivated when the condition no longer holds
// (Resolved, the common schema's word for it, reads the same).
func azureStatus(v any) event.Type {
	switch strings.ToLower(strings.TrimSpace(text(v))) {
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
func azureActivityLog(data map[string]any, received time.Time) (Alert, error) {
	v, _ := lookup(data, []string{"context", "activityLog"})
	al, ok := v.(map[string]any)
	if !ok {
		return Alert{}, invalid(option.AzureMonitor, "data.context.activityLog", "is not an object")
	}
	props := obj(al, "properties")
	eventSource := strings.ToLower(text(al["eventSource"]))
	resourceID := text(al["resourceId"])
	a := Alert{Scope: data}
	switch {
	case text(props["trackingId"]) != "":
		a.Key = text(props["trackingId"])
	case eventSource == "resourcehealth" && resourceID != "":
		a.Key = resourceID
	default:
		a.Key = firstNonEmpty(text(al["operationId"]), text(al["correlationId"]), text(al["eventDataId"]))
	}
	a.Type = azureStatus(data["status"])
	switch eventSource {
	case "servicehealth":
		if strings.EqualFold(text(props["stage"]), "resolved") || strings.EqualFold(text(al["status"]), "resolved") {
			a.Type = event.Recovery
		}
	case "resourcehealth":
		if strings.EqualFold(text(props["currentHealthStatus"]), "available") {
			a.Type = event.Recovery
		}
	}
	a.Level, a.Severity = azureLevel(al["level"])

	if !a.setTime("eventTimestamp", al["eventTimestamp"], readTime, received) {
		a.setTime("submissionTimestamp", al["submissionTimestamp"], readTime, received)
	}
	a.Title = firstNonEmpty(text(props["title"]), text(al["operationName"]))
	a.Description = firstNonEmpty(text(al["description"]), text(props["details"]), azureOperationSummary(al))
	a.Resource = azureResource(resourceID, text(al["resourceType"]), "")
	a.Account = firstNonEmpty(text(al["subscriptionId"]), armSubscription(resourceID))

	info := map[string]string{}
	for k, v := range al {
		if k != "properties" {
			flatPut(info, k, v)
		}
	}
	for k, v := range props {
		flatPut(info, "properties."+k, v)
	}
	for k, v := range obj(data, "properties") {
		flatPut(info, "customProperties."+k, v)
	}
	a.AdditionalInfo = info
	return a, nil
}

// azureLogAlert reads a classic (API 2018-04-16) log search alert: flat at the top for Log Analytics, under data
// for Application Insights. Such alerts never resolve, and the body has no alert id, so the key is the rule in
// its workspace (or application): the same for every firing, never built from the time.
func azureLogAlert(body map[string]any, received time.Time) Alert {
	a := Alert{Scope: body}
	a.Rule = text(body["AlertRuleName"])
	if a.Rule != "" {
		a.Key = joinNonEmpty("/", firstNonEmpty(text(body["WorkspaceId"]), text(body["ApplicationId"]), text(body["SubscriptionId"])), a.Rule)
	}
	a.Type = event.Alert
	a.Level, a.Severity = azureLevel(body["Severity"])
	a.setTime("SearchIntervalEndtimeUtc", body["SearchIntervalEndtimeUtc"], readTime, received) // the evaluation that fired ended then
	a.Title = a.Rule
	a.Description = joinNonEmpty("\n\n", text(body["Description"]),
		azureQuerySummary(body["SearchQuery"], body["AlertThresholdOperator"], body["AlertThresholdValue"], body["ResultCount"]))
	resourceID := text(body["ResourceId"])
	a.Resource = azureResource(resourceID, "", first(azureStrings(body["AffectedConfigurationItems"])))
	a.Account = firstNonEmpty(text(body["SubscriptionId"]), armSubscription(resourceID))
	info := map[string]string{}
	for k, v := range body {
		if k != "Description" {
			flatPut(info, k, v)
		}
	}
	a.AdditionalInfo = info
	return a
}

// azureBudget reads the older cost budget notification. Budgets do not resolve; the key names the budget, so
// every threshold it crosses updates one alert.
func azureBudget(data map[string]any, received time.Time) Alert {
	a := Alert{Scope: data}
	name := text(data["BudgetName"])
	if name != "" {
		a.Key = joinNonEmpty("/", text(data["SubscriptionId"]), text(data["ResourceGroup"]), name)
	}
	a.Type = event.Alert
	a.OccurredAt = received // the body has no time of its own
	a.Title = name
	unit := text(data["Unit"])
	amount := func(label, k string) string {
		if v := text(data[k]); v != "" {
			return joinNonEmpty(" ", label, v, unit)
		}
		return ""
	}
	a.Description = joinNonEmpty(", ", amount("Spent", "SpendingAmount"), amount("budget", "Budget"),
		amount("notification threshold", "NotificationThresholdAmount"))
	a.Account = text(data["SubscriptionId"])
	info := map[string]string{}
	for k, v := range data {
		flatPut(info, k, v)
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
	if expr := text(ctx["expression"]); expr != "" {
		return joinNonEmpty(": ", expr, text(ctx["expressionValue"]))
	}
	if _, ok := ctx["SearchQuery"]; ok {
		return azureQuerySummary(ctx["SearchQuery"], ctx["Operator"], ctx["Threshold"], ctx["ResultCount"])
	}
	cond := obj(ctx, "condition")
	items, _ := cond["allOf"].([]any)
	window := text(cond["windowSize"])
	lines := make([]string, 0, len(items))
	for _, it := range items {
		c, ok := it.(map[string]any)
		if !ok {
			continue
		}
		what := text(c["metricName"])
		if q := strings.Join(strings.Fields(text(c["searchQuery"])), " "); what == "" && q != "" {
			what = "Query `" + q + "`"
		}
		if what == "" {
			continue
		}
		line := what
		if agg := joinNonEmpty(" over ", text(c["timeAggregation"]), window); agg != "" {
			line += " (" + agg + ")"
		}
		line = joinNonEmpty(" ", line, text(c["operator"]), text(c["threshold"]))
		if v, ok := c["metricValue"]; ok && v != nil {
			line += ": " + text(v)
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
	line := joinNonEmpty(": ", text(e["operationName"]), text(e["status"]))
	if caller := text(e["caller"]); line != "" && caller != "" {
		line += " (caller " + caller + ")"
	}
	return line
}

// azureQuerySummary writes a log alert V1's query, its threshold and how many results it gave.
func azureQuerySummary(query, operator, threshold, count any) string {
	q := strings.Join(strings.Fields(text(query)), " ")
	if q == "" {
		return ""
	}
	line := joinNonEmpty(" ", "Query `"+q+"`", text(operator), text(threshold))
	if n := text(count); n != "" {
		line += ": " + n + " results"
	}
	return line
}

// azureDimensions lists the dimensions of every criterion, "name=value", sorted and without repeats, so the
// same series gives the same list in any order Azure writes it.
func azureDimensions(ctx map[string]any) []string {
	items, _ := obj(ctx, "condition")["allOf"].([]any)
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
		if m, ok := d.(map[string]any); ok && text(m["name"]) != "" {
			out = append(out, text(m["name"])+"="+text(m["value"]))
		}
	}
	return out
}

// azureLinks copies the portal and API links of a log alert's first criterion to the top of additional_info,
// where a person finds them without reading the condition's JSON.
func azureLinks(info map[string]string, ctx map[string]any) {
	items, _ := obj(ctx, "condition")["allOf"].([]any)
	for _, it := range items {
		c, ok := it.(map[string]any)
		if !ok {
			continue
		}
		for k, v := range c {
			if strings.HasPrefix(k, "linkTo") {
				flatPut(info, k, v)
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
	r.Type = firstNonEmpty(r.Type, armType)
	r.Name = firstNonEmpty(r.Name, armName)
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

// flatPut adds a value to additional_info as flat text: lists of strings comma-joined (ARM ids hold no commas),
// other lists and objects as compact JSON; empty values are left out.
func flatPut(info map[string]string, key string, v any) {
	s := text(v)
	if list, ok := v.([]any); ok {
		if ss := azureStrings(list); len(ss) == len(list) && len(ss) > 0 {
			s = strings.Join(ss, ",")
		}
	}
	if s != "" && s != "{}" && s != "[]" {
		info[key] = s
	}
}

// azureStrings returns the strings of a list, or nil when v is not a list of strings.
func azureStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		s, ok := x.(string)
		if !ok {
			return nil
		}
		out = append(out, s)
	}
	return out
}

// joinNonEmpty joins the non-empty parts with sep.
func joinNonEmpty(sep string, parts ...string) string {
	kept := make([]string, 0, len(parts))
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, sep)
}
