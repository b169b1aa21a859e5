// The spec's "record": where the HDF5 log goes, how often it is written, the
// checkpoints, and the probes that fill it (each registered with its own keys,
// sim/record/probes.cpp: activity, dreams, plasticity, the hippocampus).
#include "sim/spec/catalog.hpp"
#include "sim/spec/sections.hpp"

namespace somnus {

const ParameterSet& record_own_parameters() {
    const RecordSpec rec;
    static const ParameterSet set{
        "record",
        "the HDF5 log and the checkpoints",
        {text("path", rec.path, "the HDF5 log; the model goes next to it (.pt); somnus run --out replaces it"),
         integer("progress_every", rec.progress_every, 1, kNoLimit, "iterations between progress lines")
             .in("mini-batches"),
         boolean("checkpoint", rec.checkpoint, "save the trained model next to the log"),
         integer("checkpoint_every", rec.checkpoint_every, 0, 1 << 30,
                 "iterations between resumable checkpoints inside an epoch; 0 = at epoch ends and on a stop only")
             .in("mini-batches"),
         integer("flush_every", rec.flush_every, 0, kNoLimit,
                 "iterations between writes of the log inside an epoch; 0 = at epoch ends only")
             .in("mini-batches"),
         integer("read_every", rec.read_every, 0, kNoLimit,
                 "iterations between reads of the losses from the device, in one transfer (no value changes); "
                 "0 = every step on the CPU, every progress_every on a GPU")
             .in("mini-batches")}};
    return set;
}

// The section's own keys, then one per registered probe: its object of keys, or its switch.
const ParameterSet& record_parameters() {
    static const ParameterSet set = [] {
        const ParameterSet& own = record_own_parameters();
        std::vector<Parameter> keys = own.parameters;
        for (const ProbeType& probe : probe_types())
            keys.push_back(probe.parameters ? object(probe.name, *probe.parameters, probe.summary)
                                            : boolean(probe.name, probe.enabled, probe.summary));
        return ParameterSet{own.name, own.summary, std::move(keys)};
    }();
    return set;
}

RecordSpec parse_record(ObjectReader& r) {
    RecordSpec rec;
    rec.path = r.string("path");
    if (rec.path.empty()) throw SpecError(r.at("path").to_string(), "the log path is empty");
    rec.progress_every = r.integer("progress_every");
    rec.checkpoint = r.boolean("checkpoint");
    rec.checkpoint_every = r.integer("checkpoint_every");
    rec.flush_every = r.integer("flush_every");
    rec.read_every = r.integer("read_every");
    // Each probe's object (left out, its defaults) or switch.
    for (const ProbeType& type : probe_types()) {
        ProbeSpec probe;
        probe.name = type.name;
        probe.pointer = r.at(type.name).to_string();
        if (type.parameters) {
            ObjectReader keys = r.object(type.name);
            probe.enabled = keys.boolean("enabled");
            probe.params = type.parse(keys);
            keys.finish();
        } else {
            probe.enabled = r.boolean(type.name);
        }
        rec.probes.push_back(std::move(probe));
    }
    r.finish();
    return rec;
}

}  // namespace somnus
