// Private to src/fetcher: unpacking fetched archives with libarchive.
#pragma once

#include <string>
#include <string_view>

#include "common/result.hpp"

namespace tepui::fetcher {

// Whether a file of this name is unpacked: .tar, .tar.gz, .tgz, .tar.bz2,
// .tbz2, .tar.xz, .txz or .zip.
bool isArchive(std::string_view name);

// Unpacks the archive at `path` into `directory`, which must be a canonical
// path (no symbolic links: extraction refuses to go through one). An entry
// with an absolute path or a ".." component fails the whole extraction,
// and so does a hard link to such a path; entries before it stay.
Status extractArchive(const std::string& path, const std::string& directory);

}  // namespace tepui::fetcher
