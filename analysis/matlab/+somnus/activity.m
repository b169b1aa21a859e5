function [A, step] = activity(L, module, layer, state, epoch)
%SOMNUS.ACTIVITY  Activity of a layer on the probe images, after a brain state.
%   A = SOMNUS.ACTIVITY(L, 'V1_encoder', 'z', 'rem', EPOCH) is the sample taken
%   at the end of EPOCH (0-based; negative counts from the end, default -1),
%   with the probe images along the first dimension: N x 256 for 'z',
%   N x 1 for a discriminator 'output', N x W x H x C for conv layers
%   (h5read order within an image). STATE is a brain state of the cycle or
%   'initial' (before training). [A, STEP] also returns the run step.
if nargin < 5, epoch = -1; end
G = L.activity.(state);
if ~isfield(G, module) || ~isfield(G.(module), layer)
  error('somnus:activity', 'no activity %s/%s recorded after %s', module, layer, state);
end
data = G.(module).(layer);
epochs = double(G.epoch(:));
if epoch < 0, epoch = max(epochs) + 1 + epoch; end
idx = find(epochs == epoch, 1, 'last');
if isempty(idx)
  error('somnus:activity', 'no %s/%s sample after %s at epoch %d', module, layer, state, epoch);
end
nd = ndims(data);
if numel(epochs) == 1 && size(data, nd) ~= 1, nd = nd + 1; end  % a trailing singleton sample axis
subs = repmat({':'}, 1, nd);
subs{nd} = idx;
x = data(subs{:});
A = permute(x, [nd-1:-1:1, nd]);
steps = double(G.step(:));
step = steps(idx);
end
