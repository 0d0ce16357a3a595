// Package awssns reads Amazon SNS notifications: CloudWatch alarms, EventBridge events (AWS Health among them), other
// bodies published to a topic, and subscription handshakes.
package awssns

import (
	"embed"
	"slices"
	"strings"
	"time"

	"github.com/monhook/monhook/domain/event"
	kit "github.com/monhook/monhook/domain/source/sourcekit"
)

// Name is the value of the source option that names this format.
const Name = "aws_sns"

//go:embed testdata/*.json
var testdata embed.FS

// Source is the format as the registry lists it.
var Source = kit.Source{Name: Name, Detect: isAWSSNS, Parse: parseAWSSNS, Examples: kit.Examples(testdata)}

// isAWSSNS: the SNS envelope (Type, TopicArn, MessageId), or what SNS carries delivered without it (raw message
// delivery, EventBridge API destinations): a CloudWatch alarm state change or an EventBridge event.
func isAWSSNS(doc map[string]any) bool {
	return kit.Has(doc, "Type", "TopicArn", "MessageId") || isCloudWatchAlarm(doc) || isEventBridge(doc)
}

func isCloudWatchAlarm(doc map[string]any) bool { return kit.Has(doc, "AlarmName", "NewStateValue") }

func isEventBridge(doc map[string]any) bool { return kit.Has(doc, "detail-type", "source", "detail") }

func parseAWSSNS(doc map[string]any, c *kit.Call) ([]kit.Alert, error) {
	received := c.Received
	if !kit.Has(doc, "Type", "TopicArn", "MessageId") {
		return parseSNSMessage(doc, nil, c)
	}
	switch typ := kit.Str(doc, "Type"); typ {
	case "SubscriptionConfirmation":
		u := kit.Str(doc, "SubscribeURL")
		if u == "" {
			return nil, kit.Invalid(Name, "SubscribeURL", "is missing from a SubscriptionConfirmation")
		}
		c.Confirm(kit.Subscription{URL: u, TopicArn: kit.Str(doc, "TopicArn")}, "subscription confirmation for "+kit.Shorten(kit.Str(doc, "TopicArn")))
		return nil, nil
	case "UnsubscribeConfirmation":
		c.Notice("unsubscribe confirmation for " + kit.Shorten(kit.Str(doc, "TopicArn")) + "; no event")
		return nil, nil
	case "Notification":
	default:
		return nil, kit.Invalid(Name, "Type", "%q is not Notification, SubscriptionConfirmation or UnsubscribeConfirmation", kit.Shorten(typ))
	}
	msg, ok := doc["Message"].(string)
	if !ok {
		return nil, kit.Invalid(Name, "Message", "is missing or not a string")
	}
	inner, isJSON := kit.DecodeJSONText(msg)
	innerDoc, isObject := inner.(map[string]any)
	if !isJSON || !isObject {
		return []kit.Alert{plainTextAlert(doc, msg, received)}, nil
	}
	alerts, err := parseSNSMessage(innerDoc, doc, c)
	if err != nil {
		return nil, err
	}
	for i := range alerts {
		for _, k := range []string{"TopicArn", "MessageId", "Subject"} {
			if v := kit.Str(doc, k); v != "" {
				alerts[i].AdditionalInfo["sns."+k] = v
			}
		}
	}
	return alerts, nil
}

// parseSNSMessage reads what an SNS message carries: a CloudWatch alarm, an EventBridge event, or another
// supported body that a user published to the topic (an Alertmanager body, say).
func parseSNSMessage(msg, envelope map[string]any, c *kit.Call) ([]kit.Alert, error) {
	received := c.Received
	switch {
	case isCloudWatchAlarm(msg):
		return []kit.Alert{cloudWatchAlarm(msg, envelope, received)}, nil
	case isEventBridge(msg):
		return []kit.Alert{eventBridgeEvent(msg, received)}, nil
	}
	if alerts, ok, err := c.Nested(msg, Name); ok || err != nil {
		return alerts, err
	}
	if envelope != nil {
		return []kit.Alert{plainTextAlert(envelope, kit.CompactJSON(msg), received)}, nil
	}
	return nil, kit.Invalid(Name, "", "it is neither an SNS envelope, a CloudWatch alarm nor an EventBridge event")
}

// cloudWatchAlarm maps one alarm state change to one event, whatever its dimensions: the alarm's ARN is its key,
// the same for ALARM and OK, so a recovery finds its alert.
func cloudWatchAlarm(m, envelope map[string]any, received time.Time) kit.Alert {
	state := kit.Str(m, "NewStateValue")
	a := kit.Alert{Scope: m, Level: state}
	a.Type = event.Alert
	switch strings.ToUpper(state) {
	case "OK":
		a.Type = event.Recovery
		if strings.EqualFold(kit.Str(m, "OldStateValue"), "ALARM") { // the level it fired with
			a.Severity = event.Error
		}
	case "ALARM":
		a.Severity = event.Error
	case "INSUFFICIENT_DATA":
		a.Severity = event.NotAvailable
	}
	a.Key = kit.FirstNonEmpty(kit.Str(m, "AlarmArn"), "cloudwatch:"+kit.Text(m["AWSAccountId"])+":"+kit.Str(m, "Region")+":"+kit.Str(m, "AlarmName"))
	a.Title = kit.Str(m, "AlarmName")
	a.Rule = a.Title
	a.Description = kit.Str(m, "NewStateReason")
	if d := kit.Str(m, "AlarmDescription"); d != "" {
		a.Description = strings.TrimSpace(a.Description + "\n\n" + d)
	}
	if !a.SetTime("StateChangeTime", m["StateChangeTime"], kit.ReadTime, received) && envelope != nil {
		a.SetTime("sns.Timestamp", envelope["Timestamp"], kit.ReadTime, received)
	}
	a.Provider = "aws"
	a.Account = kit.Text(m["AWSAccountId"])

	info := map[string]string{}
	for _, k := range []string{"AlarmArn", "AlarmName", "AlarmDescription", "AWSAccountId", "NewStateValue", "OldStateValue", "Region", "AlarmRule", "StateChangeTime"} {
		if v := kit.Text(m[k]); v != "" {
			info[k] = v
		}
	}
	trigger := kit.Obj(m, "Trigger")
	namespace, dims := alarmDimensions(trigger)
	for _, k := range []string{"MetricName", "Namespace", "ComparisonOperator", "Threshold", "Statistic", "Period", "EvaluationPeriods"} {
		if v := kit.Text(trigger[k]); v != "" {
			info["Trigger."+k] = v
		}
	}
	for _, d := range dims {
		info["dimension."+d[0]] = d[1]
	}
	if len(dims) > 0 {
		a.Resource = event.Resource{ID: dims[0][1], Type: namespace, Name: dims[0][0] + "=" + dims[0][1]}
	}
	a.AdditionalInfo = info
	return a
}

// alarmDimensions lists an alarm's dimensions as name/value pairs, from its single metric or from each metric of
// a metric-math alarm, with the namespace they belong to.
func alarmDimensions(trigger map[string]any) (string, [][2]string) {
	namespace := kit.Str(trigger, "Namespace")
	var out [][2]string
	add := func(list any) {
		items, _ := list.([]any)
		for _, it := range items {
			d, _ := it.(map[string]any)
			name := kit.FirstNonEmpty(kit.Str(d, "name"), kit.Str(d, "Name"))
			value := kit.FirstNonEmpty(kit.Text(d["value"]), kit.Text(d["Value"]))
			if name != "" && !slices.Contains(out, [2]string{name, value}) {
				out = append(out, [2]string{name, value})
			}
		}
	}
	add(trigger["Dimensions"])
	metrics, _ := trigger["Metrics"].([]any)
	for _, it := range metrics {
		m, _ := it.(map[string]any)
		metric := kit.Obj(kit.Obj(m, "MetricStat"), "Metric")
		if metric == nil {
			continue
		}
		namespace = kit.FirstNonEmpty(namespace, kit.Str(metric, "Namespace"))
		add(metric["Dimensions"])
	}
	return namespace, out
}

// healthCategories is AWS Health's eventTypeCategory as a severity.
var healthCategories = kit.Levels{
	"issue":               event.Error,
	"scheduledchange":     event.Warning,
	"accountnotification": event.Info,
}

// eventBridgeEvent maps an EventBridge event: AWS Health by its event ARN, anything else generically.
func eventBridgeEvent(m map[string]any, received time.Time) kit.Alert {
	detail := kit.Obj(m, "detail")
	a := kit.Alert{Scope: m}
	a.Type = event.Alert
	a.Provider = "aws"
	a.Account = kit.Text(m["account"])
	a.SetTime("time", m["time"], kit.ReadTime, received)
	info := map[string]string{}
	for _, k := range []string{"source", "detail-type", "region", "account", "id"} {
		if v := kit.Text(m[k]); v != "" {
			info[k] = v
		}
	}
	resources := kit.TextList(m["resources"])
	if len(resources) > 0 {
		info["resources"] = strings.Join(resources, ",")
	}

	if kit.Str(m, "source") != "aws.health" {
		a.Key = "eventbridge:" + kit.JoinedKey(kit.Str(m, "source"), kit.Str(m, "detail-type"), strings.Join(resources, "\n"))
		a.Title = kit.Str(m, "detail-type")
		a.Rule = kit.Str(m, "source")
		if detail != nil {
			info["detail"] = kit.CompactJSON(detail)
		}
		if len(resources) > 0 {
			a.Resource = event.Resource{ID: resources[0], Type: kit.Str(m, "source"), Name: resources[0]}
		}
		a.AdditionalInfo = info
		return a
	}

	category := kit.Str(detail, "eventTypeCategory")
	a.Level = category
	a.Severity = healthCategories.Of(category)
	if strings.EqualFold(kit.Str(detail, "statusCode"), "closed") {
		a.Type = event.Recovery
	}
	a.Key = kit.FirstNonEmpty(kit.Str(detail, "eventArn"), "health:"+kit.Str(m, "id"))
	a.Title = strings.TrimSpace(kit.Str(m, "detail-type") + ": " + kit.FirstNonEmpty(kit.Str(detail, "eventTypeCode"), kit.Str(detail, "service")))
	a.Rule = category
	a.Description = healthDescription(detail)
	timeKey := "startTime"
	if a.Type == event.Recovery {
		timeKey = "endTime"
	}
	if !a.SetTime(timeKey, detail[timeKey], readHealthTime, a.OccurredAt) && timeKey != "startTime" {
		a.SetTime("startTime", detail["startTime"], readHealthTime, a.OccurredAt)
	}
	var entities []string
	items, _ := detail["affectedEntities"].([]any)
	for _, it := range items {
		if e, ok := it.(map[string]any); ok && kit.Text(e["entityValue"]) != "" {
			entities = append(entities, kit.Text(e["entityValue"]))
		}
	}
	if name := kit.FirstNonEmpty(kit.First(entities), kit.First(resources)); name != "" {
		a.Resource = event.Resource{ID: name, Type: kit.FirstNonEmpty(kit.Str(detail, "service"), "aws.health"), Name: name}
	}
	for _, k := range []string{"eventArn", "service", "eventTypeCode", "eventTypeCategory", "statusCode", "startTime", "endTime", "eventScopeCode"} {
		if v := kit.Text(detail[k]); v != "" {
			info[k] = v
		}
	}
	if len(entities) > 0 {
		info["affectedEntities"] = strings.Join(entities, ",")
	}
	a.AdditionalInfo = info
	return a
}

// healthDescription joins the event's descriptions, English first, turning the escaped newlines AWS Health
// sends (both "\n" and "\\n" as text) into real ones.
func healthDescription(detail map[string]any) string {
	items, _ := detail["eventDescription"].([]any)
	var parts []string
	for _, it := range items {
		d, _ := it.(map[string]any)
		s := kit.Str(d, "latestDescription")
		if s == "" {
			continue
		}
		s = strings.ReplaceAll(strings.ReplaceAll(s, `\\n`, "\n"), `\n`, "\n")
		if strings.HasPrefix(kit.Str(d, "language"), "en") {
			parts = append([]string{s}, parts...)
		} else {
			parts = append(parts, s)
		}
	}
	return strings.TrimSpace(strings.Join(parts, "\n\n"))
}

// readHealthTime reads AWS Health's RFC 1123 times ("Wed, 6 Apr 2022 06:00:53 GMT"), and what kit.ReadTime reads.
func readHealthTime(v any) (time.Time, bool) {
	s, _ := v.(string)
	if t, err := time.Parse("Mon, 2 Jan 2006 15:04:05 MST", strings.TrimSpace(s)); err == nil {
		return kit.InRange(t)
	}
	return kit.ReadTime(v)
}

// plainTextAlert is an SNS message that is not a document: its subject is the title.
func plainTextAlert(envelope map[string]any, msg string, received time.Time) kit.Alert {
	a := kit.Alert{Scope: envelope}
	a.Type = event.Alert
	subject := kit.Str(envelope, "Subject")
	firstLine, _, _ := strings.Cut(strings.TrimSpace(msg), "\n")
	a.Title = kit.FirstNonEmpty(subject, kit.Shorten(firstLine), "SNS notification")
	a.Description = msg
	a.Key = "sns:" + kit.JoinedKey(kit.Str(envelope, "TopicArn"), a.Title)
	a.Provider = "aws"
	a.SetTime("sns.Timestamp", envelope["Timestamp"], kit.ReadTime, received)
	if arn := strings.Split(kit.Str(envelope, "TopicArn"), ":"); len(arn) >= 6 {
		a.Account = arn[4]
	}
	info := map[string]string{}
	for _, k := range []string{"TopicArn", "MessageId", "Subject", "Timestamp"} {
		if v := kit.Str(envelope, k); v != "" {
			info["sns."+k] = v
		}
	}
	a.AdditionalInfo = info
	return a
}
