// `tepui services deploy FILE`: posts an app (or a group: a body with `apps`
// or `groups`) to the service scheduler as PUT /v2/apps/{id} (or
// /v2/groups/{id}), prints the deployment, and with --wait follows it
// (GET /v2/deployments/{id}) until it ends: exit 0 when it succeeded, 1 when
// it failed or was canceled (with the reason, and the rollback if any), 2
// for a refused definition (the 422 details are printed).
#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "cli/api_call.hpp"
#include "cli/commands.hpp"
#include "cli/parse_flags.hpp"

namespace tepui::cli {

namespace bj = boost::json;

int servicesDeployMain(int argc, const char* const* argv) {
  std::string services = "127.0.0.1:8080";
  bool wait = false, force = false;
  double timeout = 600;
  FlagSet flags(
      "Usage: tepui services deploy FILE [--services=HOST:PORT] [--wait] [--timeout=SECONDS] [--force]\n\n"
      "Deploys the app (or group) that FILE holds in the Marathon-compatible JSON, and with --wait waits\n"
      "for the deployment to end: exit 0 when it succeeded, 1 when it failed or was canceled.");
  flags.add("services", &services, "The service scheduler's API (host:port)");
  flags.add("wait", &wait, "Wait for the deployment to end");
  flags.add("timeout", &timeout, "Seconds --wait waits at most");
  flags.add("force", &force, "Take the apps over from a deployment that holds them");
  std::vector<std::string> positional;
  if (int rc = parseFlags(flags, argc, argv, "services deploy", &positional); rc >= 0) return rc;
  if (positional.size() > 1) {
    std::cerr << "tepui services deploy: unexpected argument '" << positional[1] << "'\n";
    return 2;
  }
  std::string file = positional.empty() ? "" : positional.front();
  if (file.empty()) {
    std::cerr << "tepui services deploy: give the file of the app or group to deploy\n";
    return 2;
  }
  auto at = http::parseEndpoint(services);
  if (!at) {
    std::cerr << "tepui services deploy: --services must be host:port, got '" << services << "'\n";
    return 2;
  }
  std::ifstream in(file);
  if (!in) {
    std::cerr << "tepui services deploy: cannot read " << file << "\n";
    return 2;
  }
  std::stringstream text;
  text << in.rdbuf();
  bj::error_code ec;
  bj::value doc = bj::parse(text.str(), ec);
  if (ec || !doc.is_object() || !doc.as_object().contains("id") || !doc.as_object().at("id").is_string()) {
    std::cerr << "tepui services deploy: " << file << " is not an app or group with an \"id\""
              << (ec ? ": " + ec.message() : "") << "\n";
    return 2;
  }
  auto& o = doc.as_object();
  bool group = o.contains("apps") || o.contains("groups");
  std::string id(o.at("id").as_string());
  if (!id.starts_with("/")) id = "/" + id;
  std::string target = std::string(group ? "/v2/groups" : "/v2/apps") + id + (force ? "?force=true" : "");
  auto answer = apiCall(*at, "PUT", target, text.str());
  if (!answer) {
    std::cerr << "tepui services deploy: " << answer.error().message << "\n";
    return 1;
  }
  if (answer->status != 200 && answer->status != 201) {
    std::cerr << "tepui services deploy: " << answer->status << " " << answer->body << "\n";
    return answer->status == 422 || answer->status == 409 ? 2 : 1;
  }
  bj::value deployed = bj::parse(answer->body, ec);
  if (ec || !deployed.is_object() || !deployed.as_object().contains("deploymentId")) {
    std::cerr << "tepui services deploy: unexpected answer: " << answer->body << "\n";
    return 1;
  }
  std::string deployment(deployed.as_object().at("deploymentId").as_string());
  std::cout << "deployment " << deployment << " of " << id << " (version "
            << bj::value_to<std::string>(deployed.as_object().at("version")) << ")" << std::endl;
  if (!wait) return 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout);
  while (std::chrono::steady_clock::now() < deadline) {
    auto status = apiCall(*at, "GET", "/v2/deployments/" + deployment);
    if (status && status->status == 200) {
      bj::value d = bj::parse(status->body, ec);
      if (!ec && d.is_object() && d.as_object().contains("status")) {
        std::string result(d.as_object().at("status").as_string());
        if (result != "running") {
          std::cout << "deployment " << deployment << " " << result;
          if (auto* m = d.as_object().if_contains("message")) std::cout << ": " << m->as_string();
          if (auto* r = d.as_object().if_contains("rollbackDeploymentId")) {
            std::cout << " (rolled back by " << r->as_string() << ")";
          }
          std::cout << std::endl;
          return result == "succeeded" ? 0 : 1;
        }
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  std::cerr << "tepui services deploy: deployment " << deployment << " still running after " << timeout << " s\n";
  return 1;
}

}  // namespace tepui::cli
