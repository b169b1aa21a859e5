// The errors somnus reports, by what the user has to fix, and the exit code of
// each: the one table is exit_code() below. Every message names the place: a
// JSON pointer, a file, a byte offset.
#pragma once

#include <exception>
#include <stdexcept>
#include <string>

namespace somnus {

// Anything somnus reports as an error; what() is the whole message.
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The command line or the spec asks for something that cannot be (SpecError,
// sim/spec/reader.hpp, is one): the user fixes the request.
class UsageError : public Error {
public:
    using Error::Error;
};

// A file somnus reads is missing, truncated or not what it should be: a data
// set (DataError, data/idx.hpp, is one), a log, a checkpoint.
class InputError : public Error {
public:
    using Error::Error;
};

// A file somnus writes cannot be written: an unwritable folder, a full disk.
// What was written before stays as it was.
class OutputError : public Error {
public:
    using Error::Error;
};

// A run cannot go on: a loss became NaN (Diverged, sim/run/runner.hpp), a
// child process or a cluster command failed.
class RunError : public Error {
public:
    using Error::Error;
};

// somnus's exit codes.
enum ExitCode : int {
    exit_ok = 0,
    exit_failed = 1,  // the request was valid, something on the way failed (input, output, run)
    exit_usage = 2,   // the request itself is invalid (UsageError, SpecError; CLI11's own errors)
};

// The exit code for an error: UsageError (and SpecError) exit_usage, anything else exit_failed.
int exit_code(const std::exception& error);

}  // namespace somnus
