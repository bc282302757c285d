#include "models/common/output_folder.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "models/common/error.h"
#include "models/common/interrupt.h"

namespace fs = std::filesystem;

namespace masr {
namespace {

std::string host_name() {
    char name[256] = {};
    if (::gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "localhost";
    for (char* c = name; *c; ++c)
        if (*c == '.' || *c == '/') *c = '_';
    return name;
}

bool process_is_gone(long pid) {
    return pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

}  // namespace

std::string temporary_suffix() {
    return host_name() + "." + std::to_string(::getpid());
}

void remove_stale_temporaries(const std::string& directory, const std::string& prefix) {
    std::error_code ec;
    const std::string host = host_name();
    for (fs::directory_iterator it(directory.empty() ? "." : directory, ec), end; !ec && it != end;
         it.increment(ec)) {
        // <prefix>[...].<host>.<pid>, the host one dot-free segment.
        const std::string name = it->path().filename().string();
        if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
        const size_t last_dot = name.rfind('.');
        if (last_dot < prefix.size()) continue;
        const std::string pid = name.substr(last_dot + 1);
        const size_t host_dot = name.rfind('.', last_dot - 1);
        if (pid.empty() || pid.size() > 9 ||
            pid.find_first_not_of("0123456789") != std::string::npos)
            continue;
        if (host_dot == std::string::npos || host_dot + 1 < prefix.size() ||
            name.compare(host_dot + 1, last_dot - host_dot - 1, host) != 0)
            continue;
        if (!process_is_gone(std::stol(pid))) continue;
        std::error_code ignored;
        fs::remove_all(it->path(), ignored);
    }
}

output_folder::output_folder(std::string target, std::string option)
    : target_(std::move(target)), option_(std::move(option)) {
    if (target_.empty()) fail("{}: the folder name is empty", option_);
    fs::path t = fs::path(target_).lexically_normal();
    if (t.filename().empty()) t = t.parent_path();  // "out/" names the folder "out"
    if (t.empty() || t == "." || t == "..")
        fail(
            "{} '{}': a run replaces its output folder whole, so it cannot be '{}'; name a "
            "new folder such as out/run",
            option_, target_, t.string());
    target_ = t.string();
    parent_ = t.parent_path().string();
    if (parent_.empty()) parent_ = ".";

    std::error_code ec;
    const fs::file_status status = fs::status(t, ec);
    if (fs::exists(status)) {
        if (!fs::is_directory(status))
            fail("{} '{}' is a file, expected a folder (or a name that does not exist yet)",
                 option_, target_);
        if (!fs::exists(t / marker_name())) {
            for (const fs::directory_entry& e : fs::directory_iterator(t, ec))
                fail(
                    "{} '{}' holds '{}', which no masr tool wrote; a run replaces its output "
                    "folder whole, so give a new or empty folder (or remove this one)",
                    option_, target_, e.path().filename().string());
        }
    }
    std::error_code mk;
    fs::create_directories(parent_, mk);
    if (mk) fail("{}: cannot create folder '{}': {}", option_, parent_, mk.message());
    if (::access(parent_.c_str(), W_OK | X_OK) != 0)
        fail("{}: cannot write in folder '{}': {}", option_, parent_, std::strerror(errno));
    {
        // access() grants root everything, and some file systems (/proc, /sys)
        // refuse new folders whatever the permissions: so the staging folder's
        // creation is tried now, with a probe removed at once, not after the run.
        output_critical_section deferred;  // a signal cannot leave the probe behind
        const std::string probe = (fs::path(parent_) / ("." + t.filename().string() +
                                                        ".staging.probe." + temporary_suffix()))
                                      .string();
        if (::mkdir(probe.c_str(), 0700) != 0 && errno != EEXIST)
            fail("{} '{}': cannot create a folder in '{}': {}", option_, target_, parent_,
                 std::strerror(errno));
        ::rmdir(probe.c_str());
    }
    remove_stale_temporaries(parent_, "." + t.filename().string() + ".staging.");
}

output_folder::~output_folder() {
    if (!published_ && !staging_.empty()) {
        std::error_code ignored;
        fs::remove_all(staging_, ignored);
    }
    if (deferring_) release_stop_signals();
}

bool output_folder::contains(const std::string& path, std::string& relative) const {
    const fs::path p = fs::absolute(fs::path(path)).lexically_normal();
    const fs::path t = fs::absolute(fs::path(target_)).lexically_normal();
    const fs::path rel = p.lexically_relative(t);
    if (rel.empty() || *rel.begin() == "..") return false;
    relative = rel == "." ? std::string() : rel.string();
    return true;
}

std::string output_folder::path(const std::string& relative) {
    if (published_) fail("internal: {} '{}' was already published", option_, target_);
    if (staging_.empty()) {
        // From the first file of the set to its publication a signal waits,
        // so that a stop never leaves a staging folder behind.
        defer_stop_signals();
        deferring_ = true;
        staging_ = (fs::path(parent_) / ("." + fs::path(target_).filename().string() + ".staging." +
                                         temporary_suffix()))
                       .string();
        std::error_code ignored;
        fs::remove_all(staging_, ignored);
        std::error_code ec;
        fs::create_directories(staging_, ec);
        if (ec) fail("{}: cannot create folder '{}': {}", option_, staging_, ec.message());
    }
    const fs::path p = fs::path(staging_) / relative;
    std::error_code ec;
    fs::create_directories(p.parent_path(), ec);
    if (ec)
        fail("{}: cannot create folder '{}': {}", option_, p.parent_path().string(), ec.message());
    return p.string();
}

void output_folder::publish() {
    output_critical_section deferred;
    const std::string marker = path(marker_name());
    {
        std::ofstream out(marker, std::ios::trunc);
        out << "This folder is one run's output, written whole by a masr tool; the next run\n"
               "with the same output folder replaces it whole.\n";
        if (!out) fail("{}: cannot write '{}'", option_, marker);
    }
    std::error_code ec;
    if (fs::exists(target_, ec)) {
        // Both names stay valid throughout: afterwards staging_ holds the old set.
        if (::renameat2(AT_FDCWD, staging_.c_str(), AT_FDCWD, target_.c_str(), RENAME_EXCHANGE) !=
            0) {
            if (errno != EINVAL && errno != ENOSYS)
                fail("{}: cannot replace '{}': {}", option_, target_, std::strerror(errno));
            // A file system without the exchange (some network file systems):
            // two renames, with a moment in which only the retired set exists.
            const std::string retired =
                (fs::path(parent_) / ("." + fs::path(target_).filename().string() +
                                      ".staging.retired." + temporary_suffix()))
                    .string();
            if (std::rename(target_.c_str(), retired.c_str()) != 0 ||
                std::rename(staging_.c_str(), target_.c_str()) != 0)
                fail("{}: cannot replace '{}': {}", option_, target_, std::strerror(errno));
            std::error_code ignored;
            fs::remove_all(retired, ignored);
            published_ = true;
            end_deferral();
            return;
        }
        std::error_code ignored;
        fs::remove_all(staging_, ignored);
    } else if (std::rename(staging_.c_str(), target_.c_str()) != 0) {
        fail("{}: cannot publish '{}': {}", option_, target_, std::strerror(errno));
    }
    published_ = true;
    end_deferral();
}

void output_folder::end_deferral() {
    if (!deferring_) return;
    deferring_ = false;
    release_stop_signals();
}

}  // namespace masr
