function c = cosine(L, a, b, epoch, kind)
%SOMNUS.COSINE  Cosine between two states' summed feedforward plasticity in an epoch.
%   C = SOMNUS.COSINE(L, 'wake', 'rem') uses the last epoch's weight-change
%   vectors when they were recorded, else the per-epoch table.
%   KIND: 'weight_change' (default) or 'gradient' (table only).
if nargin < 4, epoch = -1; end
if nargin < 5, kind = 'weight_change'; end
P = L.plasticity.feedforward;
epochs = double(P.epoch(:));
if epoch < 0, epoch = max(epochs) + 1 + epoch; end
if strcmp(kind, 'weight_change') && isfield(P, 'weight_change')
  row = find(double(P.vector_epoch(:)) == epoch, 1, 'last');
  if ~isempty(row)
    u = double(P.weight_change.(a)(:, row));
    v = double(P.weight_change.(b)(:, row));
    c = (u' * v) / (norm(u) * norm(v));
    return;
  end
end
states = L.plasticity.attributes.states;
i = find(strcmp(states, a));
j = find(strcmp(states, b));
row = find(epochs == epoch, 1, 'last');
C = P.([kind '_cosine']);  % states x states x epochs
c = double(C(j, i, row));
end
