// `somnus export LOG --nwb FILE`: a run's log as an NWB 2.x file (Neurodata
// Without Borders: what DANDI archives, pynwb and MatNWB read), written with the
// HDF5 C API, without Python. The mapping from log to NWB, dataset by dataset,
// is docs/nwb.md.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace somnus {

struct NwbExport {
    std::size_t time_series = 0;  // TimeSeries written (per-step series of every state)
    std::size_t tables = 0;       // DynamicTables: replay record, evaluations, probe activity, dreams
};

// Who ran the simulation, where: what a log does not know and an archive (DANDI)
// asks for. Each is left out of the file when empty.
struct NwbPeople {
    std::vector<std::string> experimenters;  // /general/experimenter, "Last, First" as NWB suggests
    std::string institution;                 // /general/institution
    std::string lab;                         // /general/lab
};

// Writes `nwb_path` (through a .partial file, renamed when complete); throws
// InputError naming the log when it cannot be read, OutputError naming the file
// when it cannot be written.
NwbExport export_nwb(const std::string& log_path, const std::string& nwb_path, const NwbPeople& people = {});

}  // namespace somnus
