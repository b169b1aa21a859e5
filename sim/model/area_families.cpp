// The registered area families: one line each. A family is its module types'
// declarations, its checks and how the model builds it (pad_family.cpp is the
// example); brain states name the family they work on (StateType::areas).
#include "sim/spec/catalog.hpp"

namespace somnus {

AreaFamily pad_area_family();
AreaFamily stochastic_area_family();
ModuleType discriminator_neurons_type();

// The area families, in the order `somnus describe` lists their module types, then
// the module types that read any family's areas.
const AreaFamilyRegistration cortical_area_families{{
                                                        pad_area_family(),
                                                        stochastic_area_family(),
                                                    },
                                                    {
                                                        discriminator_neurons_type(),
                                                    }};

}  // namespace somnus
