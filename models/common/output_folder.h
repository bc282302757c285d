#pragma once
// A run's output folder (masr-sim --out, --dump; masr-ref --dump) is one set:
// stats.json, summary.csv, the trace and the dumps describe the same run, so a
// reader must never see some files of one run beside files of another. The
// set is written into a staging folder beside the target and swapped into
// place with one atomic rename (renameat2 RENAME_EXCHANGE), so at any moment
// the target holds the previous complete set or the new one.
//
// The tool owns the folder: the previous set is replaced whole. A folder that
// the tools did not write (no marker file) and that is not empty is refused
// before the run starts, so `--out .` cannot wipe a user's files.
//
// A run killed with SIGKILL leaves its staging folder; the next run in the
// same parent removes staging folders of processes of this host that no
// longer exist.
#include <string>

namespace masr {

class output_folder {
public:
    // Checks the target at once (before any simulation): that it is a folder
    // the tools wrote or an empty or new one, and that a folder can be
    // created in its parent (tried, not only asked of access(), which grants
    // root everything). `option` names the command-line option in errors.
    output_folder(std::string target, std::string option);
    ~output_folder();
    output_folder(const output_folder&) = delete;
    output_folder& operator=(const output_folder&) = delete;

    const std::string& target() const { return target_; }
    // Where a file of the set is written before publish(); creates the staging
    // folder (and `relative`'s parent folders) on first use.
    std::string path(const std::string& relative);
    // True when `path` lies inside the target folder; then `relative` is set.
    bool contains(const std::string& path, std::string& relative) const;
    // Publishes the set: the staging folder replaces the target in one rename.
    void publish();

    static const char* marker_name() { return ".masr-output"; }

private:
    void end_deferral();
    bool deferring_ = false;  // stop signals wait from the staging folder to the publish
    std::string target_, option_, parent_, staging_;
    bool published_ = false;
};

// Removes `prefix*.<host>.<pid>` entries (files or folders) in `directory`
// whose process, on this host, has ended. Used for staging folders and for the
// temporary files of write_file_atomically.
void remove_stale_temporaries(const std::string& directory, const std::string& prefix);
// "<host>.<pid>": the suffix that remove_stale_temporaries recognises.
std::string temporary_suffix();

}  // namespace masr
