// Archive extraction with libarchive (see archive.hpp).
#include "fetcher/archive.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <array>
#include <filesystem>
#include <memory>

namespace tepui::fetcher {

namespace {

namespace fs = std::filesystem;

using ReadArchive = std::unique_ptr<archive, decltype(&archive_read_free)>;
using WriteArchive = std::unique_ptr<archive, decltype(&archive_write_free)>;

// Why `name` (an entry's path, or a hard link's target) may not be
// written under the sandbox, or "" when it may.
std::string unsafeReason(const std::string& name) {
  if (!name.empty() && name[0] == '/') return "has an absolute path";
  for (const auto& part : fs::path(name)) {
    if (part == "..") return "would leave the sandbox";
  }
  return "";
}

std::string describe(archive* a) {
  const char* text = archive_error_string(a);
  return text ? text : "unknown error";
}

Status copyData(archive* in, archive* out) {
  for (;;) {
    const void* block = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    int r = archive_read_data_block(in, &block, &size, &offset);
    if (r == ARCHIVE_EOF) return okStatus();
    if (r < ARCHIVE_WARN) return Error(describe(in));
    if (archive_write_data_block(out, block, size, offset) < ARCHIVE_WARN) return Error(describe(out));
  }
}

// Points the entry's path (and hard link target) into `directory`.
Status place(archive_entry* entry, const fs::path& directory) {
  const char* raw = archive_entry_pathname(entry);
  std::string name = raw ? raw : "";
  if (auto why = unsafeReason(name); !why.empty()) return Error("entry '" + name + "' " + why);
  archive_entry_set_pathname(entry, (directory / name).c_str());
  if (const char* link = archive_entry_hardlink(entry)) {
    if (auto why = unsafeReason(link); !why.empty()) {
      return Error("entry '" + name + "' links to '" + link + "', which " + why);
    }
    archive_entry_set_hardlink(entry, (directory / link).c_str());
  }
  return okStatus();
}

}  // namespace

bool isArchive(std::string_view name) {
  static constexpr std::array<std::string_view, 8> kSuffixes = {".tar",  ".tar.gz", ".tgz", ".tar.bz2",
                                                                ".tbz2", ".tar.xz", ".txz", ".zip"};
  for (std::string_view suffix : kSuffixes) {
    if (name.size() > suffix.size() && name.ends_with(suffix)) return true;
  }
  return false;
}

Status extractArchive(const std::string& path, const std::string& directory) {
  ReadArchive in(archive_read_new(), archive_read_free);
  archive_read_support_filter_all(in.get());
  archive_read_support_format_tar(in.get());
  archive_read_support_format_zip(in.get());
  if (archive_read_open_filename(in.get(), path.c_str(), 64 * 1024) != ARCHIVE_OK) return Error(describe(in.get()));

  // No ARCHIVE_EXTRACT_PERM: the umask applies and set-user-id bits are
  // dropped, since the fetcher runs as root. Nothing is written through a
  // symbolic link, and an existing file is replaced, not written into.
  WriteArchive out(archive_write_disk_new(), archive_write_free);
  archive_write_disk_set_options(out.get(), ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                                                ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_UNLINK);
  for (;;) {
    archive_entry* entry = nullptr;
    int r = archive_read_next_header(in.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) return Error(describe(in.get()));
    if (auto placed = place(entry, directory); !placed) return placed;
    if (archive_write_header(out.get(), entry) < ARCHIVE_WARN) return Error(describe(out.get()));
    if (auto copied = copyData(in.get(), out.get()); !copied) return copied;
    if (archive_write_finish_entry(out.get()) < ARCHIVE_WARN) return Error(describe(out.get()));
  }
  if (archive_write_close(out.get()) < ARCHIVE_WARN) return Error(describe(out.get()));
  return okStatus();
}

}  // namespace tepui::fetcher
