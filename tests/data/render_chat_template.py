#!/usr/bin/env python3
# The second renderer of the chat-template tests: Python jinja2 set up as transformers'
# _compile_jinja_template does (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks,
# loopcontrols, a pass-through {% generation %} tag, tojson = json.dumps without HTML
# escaping, raise_exception, strftime_now), with the clock fixed by the request.
#
#   render_chat_template.py [REQUESTS.json [RESULTS.json]]     (default: stdin, stdout)
# requests: a JSON list of {"template": str, "context": {...}, "now": "YYYY-MM-DD HH:MM:SS"}
# results: a JSON list of {"text": str} or {"error": str, "kind": exception class}, in order.
# Exit 3 (and a line on stderr) when jinja2 is missing, so that callers can skip.
import datetime
import json
import sys

try:
    import jinja2
    import jinja2.ext
    from jinja2.sandbox import ImmutableSandboxedEnvironment
except ImportError:
    print("render_chat_template.py: python3-jinja2 is not installed", file=sys.stderr)
    sys.exit(3)


class GenerationTag(jinja2.ext.Extension):
    # transformers' AssistantTracker: {% generation %}...{% endgeneration %} renders its body.
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_render"), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


_compiled = {}


def compile_template(source, now):
    # One environment per clock; templates compiled once (the test renders each many times).
    key = (source, now)
    if key not in _compiled:
        env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                            extensions=[GenerationTag, jinja2.ext.loopcontrols])
        env.filters["tojson"] = tojson
        env.globals["raise_exception"] = raise_exception
        moment = datetime.datetime.strptime(now, "%Y-%m-%d %H:%M:%S")
        env.globals["strftime_now"] = lambda fmt: moment.strftime(fmt)
        _compiled[key] = env.from_string(source)
    return _compiled[key]


def render(request):
    try:
        template = compile_template(request["template"], request.get("now", "2024-07-26 00:00:00"))
        return {"text": template.render(**request["context"])}
    except Exception as e:  # the message is what the C++ side must reproduce
        return {"error": str(e), "kind": type(e).__name__}


def main():
    source = open(sys.argv[1], encoding="utf-8") if len(sys.argv) > 1 else sys.stdin
    requests = json.load(source)
    results = [render(r) for r in requests]
    if len(sys.argv) > 2:
        with open(sys.argv[2], "w", encoding="utf-8") as sink:
            json.dump(results, sink, ensure_ascii=False)
    else:
        json.dump(results, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
