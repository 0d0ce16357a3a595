// The script of a Zabbix webhook media type that sends problems, their recoveries and their updates to a
// Cloudforet webhook whose plugin is monhook (options.source "zabbix", or "auto"). Its parameters, and how to
// set it up, are in README.md beside this file. It needs Zabbix 6.0 or later (HttpRequest, Zabbix.log).
//
// Zabbix runs it with `value`, the media type's parameters as JSON text, each read below by the exact name the
// media type declares. The body keeps the nesting and names of Cloudforet's own Zabbix script, so monhook reads
// it as it reads that one, and adds what Cloudforet's leaves out: the numeric severity, the event's value, the
// recovery's id, date and time, tags, operational data, the update action and a time zone.

var params = JSON.parse(value);

// text returns a parameter's value, or undefined when it says nothing about the event: empty, a macro Zabbix did
// not expand ({EVENT.RECOVERY.ID} in a problem message, {$ZABBIX.URL} when the macro is not defined) or the
// placeholder of a value Zabbix could not resolve (*UNKNOWN*). JSON.stringify leaves undefined out of the body.
function text(v) {
    if (typeof v !== 'string') {
        return undefined;
    }
    var s = v.trim();
    if (s === '' || s === '*UNKNOWN*' || /^\{\$?[A-Z][A-Z0-9_]*(\.[A-Z0-9_]+)*\}$/.test(s)) {
        return undefined;
    }
    return v;
}

// tags returns {EVENT.TAGSJSON} parsed, a list of {"tag": ..., "value": ...}; text that is not JSON is sent as
// it is, and an empty list not at all.
function tags(v) {
    var s = text(v);
    if (s === undefined) {
        return undefined;
    }
    try {
        var parsed = JSON.parse(s);
        if (Array.isArray(parsed) && parsed.length === 0) {
            return undefined;
        }
        return parsed;
    }
    catch (e) {
        return s;
    }
}

// prune removes the fields left undefined and the objects left empty, so the body carries only what Zabbix said.
function prune(obj) {
    Object.keys(obj).forEach(function (k) {
        var v = obj[k];
        if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
            prune(v);
            if (Object.keys(v).length === 0) {
                v = undefined;
            }
        }
        if (v === undefined) {
            delete obj[k];
        }
    });
    return obj;
}

try {
    var url = text(params.webhookURL);
    if (url === undefined) {
        throw 'the webhookURL parameter is empty: set it to the webhook URL Cloudforet shows for the webhook';
    }

    var body = {
        title: text(params.subject),
        message: text(params.message),
        event: {
            id: text(params.eventID),
            name: text(params.eventName),
            date: text(params.eventDate),
            time: text(params.eventTime),
            status: text(params.eventStatus),
            value: text(params.eventValue),
            severity: text(params.eventSeverity),
            nseverity: text(params.eventNSeverity),
            recovery_id: text(params.eventRecoveryID),
            recovery_date: text(params.eventRecoveryDate),
            recovery_time: text(params.eventRecoveryTime),
            tags: tags(params.eventTags),
            opdata: text(params.eventOpdata),
            update_action: text(params.eventUpdateAction),
            timezone: text(params.timezone)
        },
        item: {
            id: text(params.itemID),
            key: text(params.itemKey),
            value: text(params.itemValue)
        },
        trigger: {
            id: text(params.triggerID),
            name: text(params.triggerName),
            severity: text(params.triggerSeverity),
            status: text(params.triggerStatus)
        },
        host: {
            id: text(params.hostID),
            name: text(params.hostHost),
            visible_name: text(params.hostName),
            connection_info: text(params.hostConn)
        },
        zabbix: {
            url: text(params.zabbixURL)
        }
    };
    prune(body);
    body.event = body.event || {}; // the event object is what tells monhook the body is Zabbix's

    var req = new HttpRequest();
    req.addHeader('Content-Type: application/json');
    var resp = req.post(url.trim(), JSON.stringify(body));
    var status = req.getStatus();
    if (status < 200 || status >= 300) {
        throw 'Cloudforet answered HTTP ' + status + ': ' + String(resp).substring(0, 500);
    }
    return 'OK';
}
catch (error) {
    Zabbix.log(3, '[monhook webhook] sending failed: ' + error);
    throw 'Sending to Cloudforet failed: ' + error;
}
