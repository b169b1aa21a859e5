// The HDF5 file behind a run's log.
//
// Writers queue values here; flush() opens the file, appends everything queued,
// and closes it again. Between flushes the file is closed and consistent: a run
// killed at any moment outside a flush (SIGKILL included) leaves a file that
// h5py and MATLAB open, and readers can open it while the run goes on.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace at {
class Tensor;
}  // namespace at

namespace somnus {

class LogFile {
public:
    enum class Open { create, append };
    // create: checks now that the file can be written (throws OutputError
    // naming the path) and creates it, replacing any file there, at the first
    // flush, so a run that fails before it has anything to write leaves the path
    // as it was. append: opens an existing log to continue it.
    explicit LogFile(std::string path, Open mode = Open::create);
    // Throws OutputError saying why `path` could not be written (its folder is
    // created when missing).
    static void check_writable(const std::string& path);
    ~LogFile();
    LogFile(const LogFile&) = delete;
    LogFile& operator=(const LogFile&) = delete;

    const std::string& path() const { return path_; }
    // The name errors give the file (default: its path), e.g. the file a partial one becomes.
    void show_as(std::string name) { name_ = std::move(name); }

    // Meaning and unit of the dataset at `path`, set when it is created.
    void describe(const std::string& path, std::string description, std::string unit);

    // Appends one value to the 1-D series at `path` (created on first use).
    void append(const std::string& path, double value);
    void append(const std::string& path, std::int64_t value);
    // Appends a 0-dim tensor (a value a probe measured on the device) to the series
    // at `path`, in order with the doubles appended there; every such value is read
    // to the host at the next flush, all in one transfer.
    void append(const std::string& path, const at::Tensor& value);
    // Appends `rows` rows of shape `row_shape` (float32, C order) to the dataset
    // at `path`, of shape (samples, row_shape...).
    void append_rows(const std::string& path, const float* data, std::int64_t rows,
                     const std::vector<std::int64_t>& row_shape);

    // Whole datasets, written (or replaced) at the next flush.
    void write(const std::string& path, std::vector<double> values, std::vector<std::int64_t> shape);
    void write(const std::string& path, std::vector<std::int64_t> values, std::vector<std::int64_t> shape);
    void write(const std::string& path, std::vector<float> values, std::vector<std::int64_t> shape);

    // Attributes of a group or dataset ("/" is the file), set at the next flush.
    void attribute(const std::string& path, const std::string& name, const std::string& value);
    void attribute(const std::string& path, const std::string& name, double value);
    void attribute(const std::string& path, const std::string& name, const std::vector<std::string>& values);

    // Writes everything queued. When a reader holds the file locked, retries for
    // a few seconds, then keeps the data queued for the next flush and returns
    // false; `final` flushes wait longer and throw instead.
    bool flush(bool final = false);
    // Rows of every series (dataset appended to along its first axis), after a flush:
    // what a checkpoint records. truncate_series cuts the series back to such
    // lengths and deletes series begun since, so a resumed run appends each row once.
    std::map<std::string, std::int64_t> series_lengths();
    void truncate_series(const std::map<std::string, std::int64_t>& lengths);
    // Seconds the last successful flush took (the window in which a kill could damage the file).
    double last_flush_seconds() const { return last_flush_seconds_; }

private:
    struct Pending;
    std::string path_;
    std::string name_;  // in errors
    std::unique_ptr<Pending> pending_;
    void write_pending(std::int64_t file);  // the queue into the open HDF5 file (hid_t); throws on any failed write
    void check_room(std::uint64_t queued) const;  // throws when the disk or the file-size limit has no room
    double last_flush_seconds_ = 0;
    bool created_ = false;
};

}  // namespace somnus
