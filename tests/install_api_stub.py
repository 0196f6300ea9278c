# tests/install_api_stub.py PLAN_FILE TOKEN LOG - a stub of bootsrv's
# install API for installer tests: GET /api/v1/install/node01/plan serves
# PLAN_FILE (read on each request), every POST (progress, inventory, done)
# is appended to LOG as "NAME JSON"; a wrong bearer token gets 401.
import http.server, json, sys
plan_file, token, log = sys.argv[1], sys.argv[2], sys.argv[3]
class H(http.server.BaseHTTPRequestHandler):
    def auth(self):
        if self.headers.get("Authorization") != "Bearer " + token:
            self.send_response(401); self.end_headers(); return False
        return True
    def do_GET(self):
        if not self.auth(): return
        if self.path != "/api/v1/install/node01/plan":
            self.send_response(404); self.end_headers(); return
        body = open(plan_file, "rb").read()
        self.send_response(200); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def do_POST(self):
        if not self.auth(): return
        n = int(self.headers.get("Content-Length", "0"))
        doc = json.loads(self.rfile.read(n))
        with open(log, "a") as f:
            f.write(self.path.rsplit("/", 1)[1] + " " + json.dumps(doc, sort_keys=True) + "\n")
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *a): pass
http.server.HTTPServer(("192.0.2.1", 8080), H).serve_forever()
