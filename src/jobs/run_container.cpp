#include "jobs/run_container.hpp"

#include <algorithm>
#include <cctype>
#include <string>

#include "jobs/json_fields.hpp"

namespace tepui::jobs {

namespace {

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

// The upper-cased value of an enum-like text field, `fallback` when absent.
Result<std::string> choice(const FieldReader& r, std::string_view key, std::string fallback,
                           std::initializer_list<const char*> allowed) {
  std::string text = fallback;
  if (Status s = r.string(key, &text); !s) return s.error();
  text = upper(text);
  std::string list;
  for (const char* a : allowed) {
    if (text == a) return text;
    list += (list.empty() ? "" : ", ") + std::string(a);
  }
  return r.error(key, "must be one of " + list);
}

struct Volume {
  std::string containerPath, hostPath, mode;
};
struct Parameter {
  std::string key, value;
};
struct PortMapping {
  int64_t hostPort = 0, containerPort = 0;
  std::string protocol;
};

Status readVolume(const FieldReader& r, Volume* v) {
  if (Status s = r.string("containerPath", &v->containerPath); !s) return s;
  if (v->containerPath.empty()) return r.error("containerPath", "is required");
  if (Status s = r.string("hostPath", &v->hostPath); !s) return s;
  Result<std::string> mode = choice(r, "mode", "RW", {"RW", "RO"});
  if (!mode) return mode.error();
  v->mode = *mode;
  return okStatus();
}

Status readParameter(const FieldReader& r, Parameter* p) {
  if (Status s = r.string("key", &p->key); !s) return s;
  if (p->key.empty()) return r.error("key", "is required");
  return r.string("value", &p->value);
}

Status readPortMapping(const FieldReader& r, PortMapping* p) {
  for (auto [key, out] :
       {std::pair<const char*, int64_t*>{"hostPort", &p->hostPort}, {"containerPort", &p->containerPort}}) {
    if (Status s = r.integer(key, out); !s) return s;
    if (*out < 0 || *out > 65535) return r.error(key, "must be a port from 0 to 65535");
  }
  return r.string("protocol", &p->protocol);
}

}  // namespace

Result<v1::ContainerInfo> containerInfo(const boost::json::value& container) {
  if (!container.is_object()) return Error("container: must be an object");
  FieldReader r(container.get_object(), "container.");
  Result<std::string> type = choice(r, "type", "DOCKER", {"DOCKER", "MESOS"});
  if (!type) return type.error();
  std::string image;
  if (Status s = r.string("image", &image); !s) return s.error();
  if (image.empty()) return r.error("image", "is required");
  Result<std::string> network = choice(r, "network", "HOST", {"HOST", "BRIDGE", "USER", "NONE"});
  if (!network) return network.error();
  std::string networkName;
  bool forcePull = false;
  std::vector<Volume> volumes;
  std::vector<Parameter> parameters;
  std::vector<PortMapping> ports;
  Status s = r.string("networkName", &networkName);
  if (s) s = r.boolean("forcePullImage", &forcePull);
  if (s) s = r.objects("volumes", &volumes, readVolume);
  if (s) s = r.objects("parameters", &parameters, readParameter);
  if (s) s = r.objects("portMappings", &ports, readPortMapping);
  if (!s) return s.error();

  v1::ContainerInfo info;
  for (const Volume& v : volumes) {
    v1::Volume* volume = info.add_volumes();
    volume->set_container_path(v.containerPath);
    if (!v.hostPath.empty()) volume->set_host_path(v.hostPath);
    volume->set_mode(v.mode == "RO" ? v1::Volume::RO : v1::Volume::RW);
  }
  if (*network == "USER" && !networkName.empty()) info.add_network_infos()->set_name(networkName);
  if (*type == "MESOS") {
    info.set_type(v1::ContainerInfo::MESOS);
    v1::Image* img = info.mutable_mesos()->mutable_image();
    img->set_type(v1::Image::DOCKER);
    img->mutable_docker()->set_name(image);
    img->set_cached(!forcePull);
    return info;
  }
  info.set_type(v1::ContainerInfo::DOCKER);
  v1::ContainerInfo::DockerInfo* docker = info.mutable_docker();
  docker->set_image(image);
  v1::ContainerInfo::DockerInfo::Network mode = v1::ContainerInfo::DockerInfo::HOST;
  v1::ContainerInfo::DockerInfo::Network_Parse(*network, &mode);
  docker->set_network(mode);
  docker->set_force_pull_image(forcePull);
  for (const Parameter& p : parameters) {
    v1::Parameter* param = docker->add_parameters();
    param->set_key(p.key);
    param->set_value(p.value);
  }
  for (const PortMapping& p : ports) {
    auto* m = docker->add_port_mappings();
    m->set_host_port(static_cast<uint32_t>(p.hostPort));
    m->set_container_port(static_cast<uint32_t>(p.containerPort));
    if (!p.protocol.empty()) m->set_protocol(p.protocol);
  }
  return info;
}

}  // namespace tepui::jobs
