package azuremonitor_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/monhook/monhook/domain/event"
	"github.com/monhook/monhook/domain/pipeline"
	"github.com/monhook/monhook/domain/source/azuremonitor"
	"github.com/monhook/monhook/domain/source/sourcekit"
	"github.com/monhook/monhook/domain/source/sourcetest"
)

// azureFixture reads a fresh copy of an Azure Monitor fixture, so a test may change it.
func azureFixture(t *testing.T, name string) map[string]any {
	t.Helper()
	return sourcetest.ReadJSON(t, "testdata/"+name)
}

func azureEssentials(doc map[string]any) map[string]any {
	return doc["data"].(map[string]any)["essentials"].(map[string]any)
}

// azureOne parses doc with auto-detection and returns its only event.
func azureOne(t *testing.T, opts, doc map[string]any) event.Event {
	t.Helper()
	return sourcetest.One(t, azuremonitor.Name, opts, doc)
}

func TestAzureFiredAndResolvedShareAKey(t *testing.T) {
	const file = "common-metric-static-threshold-fired-test-action.json"
	fired := azureOne(t, nil, azureFixture(t, file))
	for _, condition := range []string{"Resolved", "resolved", "RESOLVED"} {
		doc := azureFixture(t, file)
		ess := azureEssentials(doc)
		ess["monitorCondition"] = condition
		ess["resolvedDateTime"] = "2025-04-15T19:22:12.1234567+01:00"
		resolved := azureOne(t, nil, doc)
		if resolved.Key != fired.Key || fired.Key == "" {
			t.Errorf("%s: keys %q and %q, want one non-empty key", condition, fired.Key, resolved.Key)
		}
		if fired.Type != event.Alert || resolved.Type != event.Recovery {
			t.Errorf("%s: types %s, %s", condition, fired.Type, resolved.Type)
		}
		if got := event.FormatTime(resolved.OccurredAt); got != "2025-04-15T18:22:12.1234567Z" {
			t.Errorf("%s: occurred_at %s, want resolvedDateTime in UTC with its seven digits", condition, got)
		}
		if resolved.Severity != fired.Severity {
			t.Errorf("%s: severity %s, want the level it fired with (%s)", condition, resolved.Severity, fired.Severity)
		}
	}
	doc := azureFixture(t, file)
	azureEssentials(doc)["monitorCondition"] = "FIRED"
	if got := azureOne(t, nil, doc); got.Type != event.Alert || event.FormatTime(got.OccurredAt) != "2025-04-15T18:17:12.851Z" {
		t.Errorf("FIRED: %s at %s", got.Type, event.FormatTime(got.OccurredAt))
	}
	other := azureFixture(t, file)
	azureEssentials(other)["alertId"] = "/subscriptions/s/providers/Microsoft.AlertsManagement/alerts/another"
	if azureOne(t, nil, other).Key == fired.Key {
		t.Error("different alerts share a key")
	}
}

func TestAzureSeverity(t *testing.T) {
	tests := []struct {
		level any
		opts  map[string]any
		want  event.Severity
	}{
		{"Sev0", nil, event.Critical},
		{"Sev1", nil, event.Error},
		{"Sev2", nil, event.Warning},
		{"Sev3", nil, event.Info},
		{"Sev4", nil, event.Info},
		{"sev1", nil, event.Error},
		{" SEV0 ", nil, event.Critical},
		{"Sev9", nil, event.NotAvailable},
		{nil, nil, event.NotAvailable},
		{nil, map[string]any{"default_severity": "ERROR"}, event.Error},
		{"Sev4", map[string]any{"severity_map": map[string]any{"sev4": "NONE"}}, event.None},
	}
	for _, tt := range tests {
		doc := azureFixture(t, "common-log-alerts-v2-fired-test-action.json")
		azureEssentials(doc)["severity"] = tt.level
		if got := azureOne(t, tt.opts, doc).Severity; got != tt.want {
			t.Errorf("severity %v with %v: %s, want %s", tt.level, tt.opts, got, tt.want)
		}
	}
}

func TestAzureMissingOptionalFieldsNeverFail(t *testing.T) {
	optional := []string{"alertRule", "severity", "signalType", "monitorCondition", "monitoringService", "alertTargetIDs",
		"configurationItems", "originAlertId", "firedDateTime", "resolvedDateTime", "description"}
	files := []string{"common-metric-static-threshold-fired-test-action.json", "common-service-health-fired-test-action.json",
		"common-log-alerts-v2-fired-test-action.json", "common-activity-log-administrative-fired-test-action.json"}
	for _, file := range files {
		for _, field := range optional {
			for _, value := range []any{"absent", nil} {
				doc := azureFixture(t, file)
				ess := azureEssentials(doc)
				if value == "absent" {
					delete(ess, field)
				} else {
					ess[field] = value
				}
				if e := azureOne(t, nil, doc); e.Title == "" || e.Key == "" {
					t.Errorf("%s without %s (%v): title %q, key %q", file, field, value, e.Title, e.Key)
				}
			}
		}
		doc := azureFixture(t, file)
		data := doc["data"].(map[string]any)
		delete(data, "alertContext")
		delete(data, "customProperties")
		azureOne(t, nil, doc)
		data["alertContext"] = map[string]any{"properties": nil, "condition": map[string]any{"allOf": []any{"x", nil, map[string]any{}}}}
		azureOne(t, nil, doc)
	}
}

// TestAzureBudgetAlert uses the common schema's budget test action: no rule, severity, signal or target.
func TestAzureBudgetAlert(t *testing.T) {
	doc := map[string]any{"schemaId": "azureMonitorCommonAlertSchema", "data": map[string]any{
		"essentials": map[string]any{
			"monitoringService": "CostAlerts", "firedDateTime": "2025-04-15T17:53:32.996Z",
			"description": "Your spend for budget Test_actual_cost_budget is now $11,111.00.", "essentialsVersion": "1.0",
			"alertId":   "/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e/providers/Microsoft.CostManagement/alerts/Test_Alert",
			"alertRule": nil, "severity": nil, "signalType": nil, "monitorCondition": "Fired", "alertTargetIDs": nil,
			"configurationItems": []any{"budgets"}, "originAlertId": nil,
		},
		"alertContext": map[string]any{"AlertCategory": "budgets", "AlertData": map[string]any{
			"Scope": "/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e/", "BudgetName": "Test_actual_cost_budget", "SpentAmount": "$11,111.00",
		}},
	}}
	e := azureOne(t, nil, doc)
	if e.Title != "Test_actual_cost_budget" || e.Severity != event.NotAvailable || e.Account != "aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e" ||
		e.Resource.Name != "budgets" || e.Description != "Your spend for budget Test_actual_cost_budget is now $11,111.00." {
		t.Errorf("budget event %+v", e)
	}
	if e.AdditionalInfo["alertContext_AlertData"] == "" || e.AdditionalInfo["monitoringService"] != "CostAlerts" {
		t.Errorf("additional_info %v", e.AdditionalInfo)
	}
}

func TestAzureResourceFromTheARMId(t *testing.T) {
	tests := []struct {
		targets, items any
		want           event.Resource
		account        string
	}{
		{[]any{"/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Sql/servers/db1/databases/orders"}, nil,
			event.Resource{ID: "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Sql/servers/db1/databases/orders",
				Type: "microsoft.sql/servers/databases", Name: "orders"}, "s1"},
		{[]any{"/subscriptions/s2/resourcegroups/rg2"}, []any{}, event.Resource{ID: "/subscriptions/s2/resourcegroups/rg2",
			Type: "microsoft.resources/resourcegroups", Name: "rg2"}, "s2"},
		{[]any{}, []any{"vm-1"}, event.Resource{Name: "vm-1"}, "aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e"},
		{"not a list", []any{7.0}, event.Resource{}, "aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e"},
	}
	for _, tt := range tests {
		doc := azureFixture(t, "common-metric-static-threshold-fired-test-action.json")
		ess := azureEssentials(doc)
		ess["alertTargetIDs"], ess["configurationItems"] = tt.targets, tt.items
		e := azureOne(t, nil, doc)
		if e.Resource != tt.want || e.Account != tt.account {
			t.Errorf("targets %v, items %v: resource %+v, account %q", tt.targets, tt.items, e.Resource, e.Account)
		}
	}
}

// azureMetricAlertBody is Microsoft's documented sample of the older metric alert schema, with the status and
// resource given.
func azureMetricAlertBody(status, resource string) map[string]any {
	id := "/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e/resourceGroups/test-RG/providers/Microsoft.Storage/storageAccounts/" + resource
	return map[string]any{"schemaId": "AzureMonitorMetricAlert", "data": map[string]any{
		"version": "2.0", "status": status,
		"properties": map[string]any{"customKey1": "value1"},
		"context": map[string]any{
			"timestamp":     "2021-11-15T09:35:12.9703687Z",
			"id":            "/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e/resourceGroups/test-RG/providers/microsoft.insights/metricAlerts/test-metricAlertRule",
			"name":          "test-metricAlertRule",
			"description":   "Alert rule description",
			"conditionType": "SingleResourceMultipleMetricCriteria",
			"severity":      "3",
			"condition": map[string]any{"windowSize": "PT5M", "allOf": []any{map[string]any{
				"metricName": "Transactions", "metricNamespace": "Microsoft.Storage/storageAccounts", "operator": "GreaterThan",
				"threshold": "0", "timeAggregation": "Total", "metricValue": 100.0,
				"dimensions": []any{map[string]any{"name": "ApiName", "value": "GetBlob"}},
			}}},
			"subscriptionId":    "aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e",
			"resourceGroupName": "test-RG",
			"resourceName":      resource,
			"resourceType":      "Microsoft.Storage/storageAccounts",
			"resourceId":        id,
			"portalLink":        "https://portal.azure.com/#resource" + id,
		},
	}}
}

func TestAzureMetricAlertSchema(t *testing.T) {
	activated := azureOne(t, nil, azureMetricAlertBody("Activated", "test-storageAccount"))
	want := event.Event{
		Key: "/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e/resourceGroups/test-RG/providers/microsoft.insights/metricAlerts/test-metricAlertRule" +
			"|/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e/resourceGroups/test-RG/providers/Microsoft.Storage/storageAccounts/test-storageAccount|ApiName=GetBlob",
		Type: event.Alert, Title: "test-metricAlertRule", Rule: "test-metricAlertRule", Severity: event.Info,
		Description: "Alert rule description\n\nTransactions (Total over PT5M) GreaterThan 0: 100 [ApiName=GetBlob]",
		Resource: event.Resource{ID: "/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e/resourceGroups/test-RG/providers/Microsoft.Storage/storageAccounts/test-storageAccount",
			Type: "microsoft.storage/storageaccounts", Name: "test-storageAccount"},
		Provider: "azure", Account: "aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e",
	}
	got := activated
	got.AdditionalInfo, got.OccurredAt = nil, want.OccurredAt
	if !equalEvents(got, want) {
		t.Errorf("activated:\n got %+v\nwant %+v", got, want)
	}
	if event.FormatTime(activated.OccurredAt) != "2021-11-15T09:35:12.9703687Z" || activated.AdditionalInfo["customProperties_customKey1"] != "value1" ||
		activated.AdditionalInfo["portalLink"] == "" || activated.AdditionalInfo["status"] != "Activated" {
		t.Errorf("occurred_at %s, additional_info %v", event.FormatTime(activated.OccurredAt), activated.AdditionalInfo)
	}
	for _, status := range []string{"Deactivated", "deactivated"} {
		deactivated := azureOne(t, nil, azureMetricAlertBody(status, "test-storageAccount"))
		if deactivated.Key != activated.Key || deactivated.Type != event.Recovery || deactivated.Severity != event.Info {
			t.Errorf("%s: key %q, type %s, severity %s", status, deactivated.Key, deactivated.Type, deactivated.Severity)
		}
	}
	if azureOne(t, nil, azureMetricAlertBody("Activated", "other")).Key == activated.Key {
		t.Error("two resources of one rule share a key")
	}
	otherSeries := azureMetricAlertBody("Activated", "test-storageAccount")
	dims := otherSeries["data"].(map[string]any)["context"].(map[string]any)["condition"].(map[string]any)["allOf"].([]any)[0].(map[string]any)
	dims["dimensions"] = []any{map[string]any{"name": "ApiName", "value": "PutBlob"}}
	if azureOne(t, nil, otherSeries).Key == activated.Key {
		t.Error("two series of one resource share a key")
	}
	for level, want := range map[any]event.Severity{"0": event.Critical, "1": event.Error, "2": event.Warning, "4": event.Info, 2.0: event.Warning, "7": event.NotAvailable, nil: event.NotAvailable} {
		doc := azureMetricAlertBody("Activated", "x")
		doc["data"].(map[string]any)["context"].(map[string]any)["severity"] = level
		if got := azureOne(t, nil, doc).Severity; got != want {
			t.Errorf("severity %v: %s, want %s", level, got, want)
		}
	}
	bare := map[string]any{"schemaId": "AzureMonitorMetricAlert", "data": map[string]any{"context": map[string]any{"id": "rule"}}}
	if e := azureOne(t, nil, bare); e.Key != "rule" || e.Title == "" || !e.OccurredAt.Equal(sourcetest.Received) {
		t.Errorf("bare metric alert: %+v", e)
	}
}

func equalEvents(a, b event.Event) bool {
	return a.Key == b.Key && a.Type == b.Type && a.Title == b.Title && a.Description == b.Description &&
		a.Severity == b.Severity && a.Resource == b.Resource && a.Rule == b.Rule && a.OccurredAt.Equal(b.OccurredAt) &&
		a.ImageURL == b.ImageURL && a.Provider == b.Provider && a.Account == b.Account
}

// azureActivityLogBody wraps an activity log event, as Microsoft's documented samples of the older schema do.
func azureActivityLogBody(activityLog map[string]any) map[string]any {
	return map[string]any{"schemaId": "Microsoft.Insights/activityLogs", "data": map[string]any{
		"status": "Activated", "context": map[string]any{"activityLog": activityLog}, "properties": map[string]any{"customKey1": "value1"},
	}}
}

func azureAdministrative(level, status string) map[string]any {
	return map[string]any{
		"authorization": map[string]any{"action": "Microsoft.Compute/virtualMachines/restart/action",
			"scope": "/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e/resourceGroups/test-RG/providers/Microsoft.Compute/virtualMachines/test-VM"},
		"channels": "Operation", "claims": "{}", "caller": "user-email@domain.com", "description": "",
		"correlationId": "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa", "eventSource": "Administrative",
		"eventTimestamp": "2021-11-16T08:27:36.1836909+00:00", "eventDataId": "bbbbbbbb-bbbb-bbbb-bbbb-" + status,
		"level": level, "operationName": "Microsoft.Compute/virtualMachines/restart/action",
		"operationId":       "cccccccc-cccc-cccc-cccc-cccccccccccc",
		"properties":        map[string]any{"eventCategory": "Administrative", "message": "Microsoft.Compute/virtualMachines/restart/action"},
		"resourceId":        "/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e/resourceGroups/test-RG/providers/Microsoft.Compute/virtualMachines/test-VM",
		"resourceGroupName": "test-RG", "resourceProviderName": "Microsoft.Compute", "status": status, "subStatus": "",
		"subscriptionId":      "aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e",
		"submissionTimestamp": "2021-11-16T08:29:00.141807+00:00", "resourceType": "Microsoft.Compute/virtualMachines",
	}
}

func TestAzureActivityLogSchema(t *testing.T) {
	started := azureOne(t, nil, azureActivityLogBody(azureAdministrative("Informational", "Started")))
	succeeded := azureOne(t, nil, azureActivityLogBody(azureAdministrative("Informational", "Succeeded")))
	if started.Key != "cccccccc-cccc-cccc-cccc-cccccccccccc" || succeeded.Key != started.Key {
		t.Errorf("keys %q and %q, want the operationId the events of one operation share", started.Key, succeeded.Key)
	}
	want := event.Event{Key: started.Key, Type: event.Alert, Title: "Microsoft.Compute/virtualMachines/restart/action",
		Description: "Microsoft.Compute/virtualMachines/restart/action: Succeeded (caller user-email@domain.com)", Severity: event.Info,
		Resource: event.Resource{ID: "/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e/resourceGroups/test-RG/providers/Microsoft.Compute/virtualMachines/test-VM",
			Type: "microsoft.compute/virtualmachines", Name: "test-VM"},
		Provider: "azure", Account: "aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e", OccurredAt: succeeded.OccurredAt}
	if !equalEvents(succeeded, want) || event.FormatTime(succeeded.OccurredAt) != "2021-11-16T08:27:36.1836909Z" {
		t.Errorf("succeeded:\n got %+v\nwant %+v", succeeded, want)
	}
	info := succeeded.AdditionalInfo
	if info["caller"] != "user-email@domain.com" || info["properties_eventCategory"] != "Administrative" ||
		info["customProperties_customKey1"] != "value1" || !strings.HasPrefix(info["authorization"], `{"action":`) {
		t.Errorf("additional_info %v", info)
	}
	for level, want := range map[string]event.Severity{"Critical": event.Critical, "CRITICAL": event.Critical, "error": event.Error,
		"Warning": event.Warning, "informational": event.Info, "Verbose": event.Info, "Loud": event.NotAvailable} {
		if got := azureOne(t, nil, azureActivityLogBody(azureAdministrative(level, "Failed"))); got.Severity != want || got.Type != event.Alert {
			t.Errorf("level %s: %s %s, want ALERT %s", level, got.Type, got.Severity, want)
		}
	}
}

func azureServiceHealth(stage string) map[string]any {
	return map[string]any{
		"channels": "Admin", "correlationId": "aaaa0000-bb11-2222-33cc-444444dddddd-" + stage,
		"description": "This alert rule will trigger when there are updates to a service issue.", "eventSource": "ServiceHealth",
		"eventTimestamp": "2021-11-17T05:34:44.5778226+00:00", "eventDataId": "12345678-" + stage, "level": "Warning",
		"operationName": "Microsoft.ServiceHealth/incident/action", "operationId": "12345678-abcd-" + stage,
		"properties": map[string]any{"title": "Test Action Group - Test Service Health Alert", "service": "Azure Service Name",
			"region": "Global", "communication": "<p>Summary of impact</p>", "incidentType": "Incident", "trackingId": "ABC1-DEF",
			"impactedServices": `[{"ImpactedRegions":[{"RegionName":"Global"}],"ServiceName":"Azure Service Name"}]`, "stage": stage},
		"status": stage, "subscriptionId": "aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e", "submissionTimestamp": "2021-11-17T01:23:45.0623172+00:00",
	}
}

func azureResourceHealth(current string) map[string]any {
	return map[string]any{
		"channels": "Admin, Operation", "correlationId": "corr-" + current, "eventSource": "ResourceHealth",
		"eventTimestamp": "2021-11-16T09:50:20.406+00:00", "eventDataId": "data-" + current, "level": "Informational",
		"operationName": "Microsoft.Resourcehealth/healthevent/Activated/action", "operationId": "op-" + current,
		"properties": map[string]any{"title": "Rebooted by user", "details": nil, "currentHealthStatus": current,
			"previousHealthStatus": "Available", "type": "Downtime", "cause": "UserInitiated"},
		"resourceId":        "/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e/resourceGroups/test-RG/providers/Microsoft.Compute/virtualMachines/test-VM",
		"resourceGroupName": "test-RG", "resourceProviderName": "Microsoft.Resourcehealth/healthevent/action", "status": "Active",
		"subscriptionId": "aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e", "submissionTimestamp": "2021-11-16T09:54:08.5303319+00:00",
		"resourceType": "MICROSOFT.COMPUTE/VIRTUALMACHINES",
	}
}

func TestAzureHealthEventsPairAcrossNotifications(t *testing.T) {
	active := azureOne(t, nil, azureActivityLogBody(azureServiceHealth("Active")))
	resolved := azureOne(t, nil, azureActivityLogBody(azureServiceHealth("Resolved")))
	if active.Key != "ABC1-DEF" || resolved.Key != active.Key || active.Type != event.Alert || resolved.Type != event.Recovery {
		t.Errorf("service health: %q %s, %q %s; want the trackingId for both, ALERT then RECOVERY", active.Key, active.Type, resolved.Key, resolved.Type)
	}
	if active.Title != "Test Action Group - Test Service Health Alert" || active.Severity != event.Warning || active.Resource != (event.Resource{}) {
		t.Errorf("service health event %+v", active)
	}
	down := azureOne(t, nil, azureActivityLogBody(azureResourceHealth("Unavailable")))
	up := azureOne(t, nil, azureActivityLogBody(azureResourceHealth("Available")))
	if down.Key != up.Key || down.Key != down.Resource.ID || down.Type != event.Alert || up.Type != event.Recovery {
		t.Errorf("resource health: %q %s, %q %s; want the resource for both, ALERT then RECOVERY", down.Key, down.Type, up.Key, up.Type)
	}
	if down.Title != "Rebooted by user" || down.Resource.Type != "microsoft.compute/virtualmachines" || down.Resource.Name != "test-VM" {
		t.Errorf("resource health event %+v", down)
	}
	deactivated := azureActivityLogBody(azureAdministrative("Error", "Succeeded"))
	deactivated["data"].(map[string]any)["status"] = "deactivated"
	if got := azureOne(t, nil, deactivated); got.Type != event.Recovery {
		t.Errorf("a deactivated activity log alert is %s", got.Type)
	}
	bare := azureActivityLogBody(map[string]any{"eventDataId": "only-this"})
	if e := azureOne(t, nil, bare); e.Key != "only-this" || e.Title == "" || !e.OccurredAt.Equal(sourcetest.Received) {
		t.Errorf("bare activity log event %+v", e)
	}
}

// azureLogAnalyticsAlert is Microsoft's documented sample of a classic (API 2018-04-16) log search alert.
func azureLogAnalyticsAlert(rule string) map[string]any {
	return map[string]any{
		"SubscriptionId": "12345a-1234b-123c-123d-12345678e", "AlertRuleName": rule,
		"SearchQuery":                "Perf | where ObjectName == \"Processor\"\n| summarize AggregatedValue = avg(CounterValue) by Computer",
		"SearchIntervalStartTimeUtc": "2018-03-26T08:10:40Z", "SearchIntervalEndtimeUtc": "2018-03-26T09:10:40Z",
		"AlertThresholdOperator": "Greater Than", "AlertThresholdValue": 0.0, "ResultCount": 2.0, "SearchIntervalInSeconds": 3600.0,
		"LinkToSearchResults": "https://portal.azure.com/#Analyticsblade/search/index?_timeInterval.intervalEnd=2018-03-26T09%3a10%3a40.0000000Z&q=Usage",
		"Description":         "log alert rule", "Severity": "Warning",
		"AffectedConfigurationItems": []any{"INC-Gen2Alert"},
		"Dimensions":                 []any{map[string]any{"name": "Computer", "value": "INC-Gen2Alert"}},
		"SearchResult":               map[string]any{"tables": []any{map[string]any{"name": "PrimaryResult", "rows": []any{[]any{"Fabrikam", "33446677a"}}}}},
		"WorkspaceId":                "12345a-1234b-123c-123d-12345678e", "AlertType": "Metric measurement",
	}
}

func TestAzureClassicLogAlertHasAStableKey(t *testing.T) {
	first := azureOne(t, nil, azureLogAnalyticsAlert("AcmeRule"))
	later := azureLogAnalyticsAlert("AcmeRule")
	later["SearchIntervalEndtimeUtc"] = "2018-03-26T10:10:40Z"
	later["ResultCount"] = 5.0
	res, err := pipeline.Normalize(context.Background(), sourcetest.Options(t, map[string]any{}), later, sourcetest.Received.Add(3600e9), sourcekit.DefaultBudget)
	if err != nil {
		t.Fatal(err)
	}
	if first.Key != "12345a-1234b-123c-123d-12345678e/AcmeRule" || res.Events[0].Key != first.Key {
		t.Errorf("keys %q and %q, want workspace/rule for every firing", first.Key, res.Events[0].Key)
	}
	if azureOne(t, nil, azureLogAnalyticsAlert("OtherRule")).Key == first.Key {
		t.Error("two rules share a key")
	}
	want := event.Event{Key: first.Key, Type: event.Alert, Title: "AcmeRule", Rule: "AcmeRule", Severity: event.Warning,
		Description: "log alert rule\n\nQuery `Perf | where ObjectName == \"Processor\" | summarize AggregatedValue = avg(CounterValue) by Computer` Greater Than 0: 2 results",
		Resource:    event.Resource{Name: "INC-Gen2Alert"}, Provider: "azure", Account: "12345a-1234b-123c-123d-12345678e", OccurredAt: first.OccurredAt}
	if !equalEvents(first, want) || event.FormatTime(first.OccurredAt) != "2018-03-26T09:10:40Z" {
		t.Errorf("classic log alert:\n got %+v\nwant %+v", first, want)
	}
	if first.AdditionalInfo["ResultCount"] != "2" || first.AdditionalInfo["AffectedConfigurationItems"] != "INC-Gen2Alert" ||
		!strings.HasPrefix(first.AdditionalInfo["SearchResult"], `{"tables":`) || first.AdditionalInfo["LinkToSearchResults"] == "" {
		t.Errorf("additional_info %v", first.AdditionalInfo)
	}

	custom := azureLogAnalyticsAlert("AcmeRule")
	custom["SearchIntervalEndtimeUtc"] = "03/26/2018 09:10:40 AM" // a custom payload's #searchintervalendtimeutc
	custom["Severity"] = "3"
	if e := azureOne(t, nil, custom); !e.OccurredAt.Equal(sourcetest.Received) || e.Severity != event.Info {
		t.Errorf("custom time and numeric severity: %s, %s", event.FormatTime(e.OccurredAt), e.Severity)
	}

	appInsights := azureLogAnalyticsAlert("AcmeRule")
	delete(appInsights, "WorkspaceId")
	appInsights["ApplicationId"] = "00001111-aaaa-2222-bbbb-3333cccc4444"
	wrapped := map[string]any{"schemaId": "Microsoft.Insights/LogAlert", "data": appInsights}
	if e := azureOne(t, nil, wrapped); e.Key != "00001111-aaaa-2222-bbbb-3333cccc4444/AcmeRule" || e.Provider != "azure" {
		t.Errorf("Application Insights log alert: key %q, provider %q", e.Key, e.Provider)
	}
}

func TestAzureBudgetNotification(t *testing.T) {
	doc := map[string]any{"schemaId": "AIP Budget Notification", "data": map[string]any{
		"SubscriptionName": "test-subscription", "SubscriptionId": "aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e", "EnrollmentNumber": "",
		"ResourceGroup": "test-RG", "SpendingAmount": "1111.32", "BudgetStartDate": "2023-01-20T23:49:40.216Z", "Budget": "10000",
		"Unit": "USD", "BudgetCreator": "email@domain.com", "BudgetName": "test-budgetName", "BudgetType": "Cost",
		"NotificationThresholdAmount": "8000.0",
	}}
	e := azureOne(t, nil, doc)
	if e.Key != "aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e/test-RG/test-budgetName" || e.Title != "test-budgetName" ||
		e.Description != "Spent 1111.32 USD, budget 10000 USD, notification threshold 8000.0 USD" ||
		e.Severity != event.NotAvailable || e.Account != "aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e" || !e.OccurredAt.Equal(sourcetest.Received) {
		t.Errorf("budget notification %+v", e)
	}
}

func TestAzureDetection(t *testing.T) {
	for name, doc := range map[string]map[string]any{
		"metric alert":          azureMetricAlertBody("Activated", "x"),
		"activity log":          azureActivityLogBody(azureAdministrative("Error", "Failed")),
		"classic log alert":     azureLogAnalyticsAlert("AcmeRule"),
		"links only":            {"AlertRuleName": "r", "LinkToSearchResults": nil},
		"schemaId in any case":  {"schemaId": "AZUREMONITORCOMMONALERTSCHEMA", "data": map[string]any{"essentials": map[string]any{}}},
		"budget notification":   {"schemaId": "AIP Budget Notification", "data": map[string]any{}},
		"Application Insights":  {"schemaId": "Microsoft.Insights/LogAlert", "data": map[string]any{}},
		"empty common envelope": {"schemaId": "azureMonitorCommonAlertSchema"},
	} {
		if got, ok := sourcetest.Detect(doc); !ok || got != azuremonitor.Name {
			t.Errorf("%s: detected %q", name, got)
		}
	}
	for name, doc := range map[string]map[string]any{
		"unknown schema":   {"schemaId": "somethingElse", "data": map[string]any{}},
		"rule name alone":  {"AlertRuleName": "r"},
		"schemaId number":  {"schemaId": 1.0},
		"another envelope": {"Type": "Notification", "AlertRuleName": "r", "Message": "m", "TopicArn": "arn", "MessageId": "1"},
	} {
		if got, ok := sourcetest.Detect(doc); ok && got == azuremonitor.Name {
			t.Errorf("%s: detected as azure_monitor", name)
		}
	}
}

func TestAzureInvalidPayloads(t *testing.T) {
	long := strings.Repeat("s", 500)
	tests := []struct {
		name  string
		data  map[string]any
		field string
	}{
		{"no schemaId", map[string]any{"data": map[string]any{}}, "schemaId"},
		{"unknown schemaId", map[string]any{"schemaId": long}, "schemaId"},
		{"data not an object", map[string]any{"schemaId": "azureMonitorCommonAlertSchema", "data": "x"}, "data"},
		{"no essentials", map[string]any{"schemaId": "azureMonitorCommonAlertSchema", "data": map[string]any{}}, "data.essentials"},
		{"no metric context", map[string]any{"schemaId": "AzureMonitorMetricAlert", "data": map[string]any{"context": []any{}}}, "data.context"},
		{"no activity log", map[string]any{"schemaId": "Microsoft.Insights/activityLogs", "data": map[string]any{"context": map[string]any{}}}, "data.context.activityLog"},
		{"no alert id", map[string]any{"schemaId": "azureMonitorCommonAlertSchema", "data": map[string]any{"essentials": map[string]any{}}}, "event_key"},
	}
	for _, tt := range tests {
		_, err := sourcetest.Normalize(sourcetest.Options(t, map[string]any{"source": "azure_monitor"}), tt.data)
		var ip *sourcekit.InvalidPayloadError
		if !errors.As(err, &ip) || ip.Field != tt.field || ip.Source != azuremonitor.Name {
			t.Errorf("%s: error %v, want field %s", tt.name, err, tt.field)
		} else if strings.Contains(err.Error(), strings.Repeat("s", 81)) {
			t.Errorf("%s: error echoes a long value: %s", tt.name, err)
		}
	}
	// event_key_fields rescues a body without an alert id.
	e := sourcetest.Events(t, map[string]any{"source": "azure_monitor", "event_key_fields": []any{"data.essentials.alertRule"}},
		map[string]any{"schemaId": "azureMonitorCommonAlertSchema", "data": map[string]any{"essentials": map[string]any{"alertRule": "r"}}})
	if len(e) != 1 || e[0].Key == "" {
		t.Errorf("events %+v", e)
	}
}
