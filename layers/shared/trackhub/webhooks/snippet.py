"""The browser snippet a {WEBHOOKJS} code becomes: it calls the URL once per page view, from the
viewer's browser, and logs success or failure to the JavaScript console. `time` and `key` are
computed by the hub; the secret never reaches the page.

Everything from the code and the context goes into the script as JSON with '<', '>', '&', U+2028
and U+2029 escaped, so no value can close the <script> element or break out of the string.
"""

from __future__ import annotations

import json
from typing import Any

from trackhub.webhooks.models import Method

_SCRIPT = (
    "<script>(function(){var c=%s;var o={method:c.method,mode:'cors',credentials:'omit',keepalive:true};"
    "if(c.method==='POST'){o.headers={'Content-Type':'application/json'};o.body=JSON.stringify(c.payload);}"
    "var t='[WEBHOOKJS] '+c.method+' '+c.url;"
    "try{fetch(c.url,o).then(function(r){if(r.ok){console.log(t+' -> '+r.status);}"
    "else{console.error(t+' failed: HTTP '+r.status);}})"
    ".catch(function(e){console.error(t+' failed: '+e);});}"
    "catch(e){console.error(t+' failed: '+e);}})();</script>"
)


def script_json(value: Any) -> str:
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=True)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def browser_snippet(method: Method, url: str, body: dict[str, Any]) -> str:
    """`url` already carries the query parameters for GET; POST sends `body` as JSON."""
    config = {"method": method.value, "url": url, "payload": body if method is Method.POST else None}
    return _SCRIPT % script_json(config)
