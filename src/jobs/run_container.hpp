// A job's `container` (Chronos's shape, kept as sent in Job::container) as
// a Mesos ContainerInfo:
//   {"type": "DOCKER" (default) | "MESOS", "image": required,
//    "network": "HOST" (default) | "BRIDGE" | "USER" | "NONE",
//    "networkName": for USER, "forcePullImage": bool,
//    "volumes": [{"containerPath", "hostPath", "mode": "RW" | "RO"}],
//    "parameters": [{"key", "value"}] (docker run options, DOCKER only),
//    "portMappings": [{"hostPort", "containerPort", "protocol"}] (BRIDGE/USER)}
// Names are case-insensitive. A MESOS container runs the image with the
// Mesos containerizer (Image.DOCKER). Errors name the field
// ("container.volumes[0].containerPath: is required"); putJob refuses a
// job whose container does not convert, so a launch never fails here.
#pragma once

#include <boost/json/value.hpp>

#include "common/result.hpp"
#include "tepui/v1/mesos.pb.h"

namespace tepui::jobs {

Result<v1::ContainerInfo> containerInfo(const boost::json::value& container);

}  // namespace tepui::jobs
