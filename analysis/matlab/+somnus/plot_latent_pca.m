function fig = plot_latent_pca(L, state, epoch, module)
%SOMNUS.PLOT_LATENT_PCA  Probe latents on their first two principal components, coloured by class.
if nargin < 2, state = 'rem'; end
if nargin < 3, epoch = -1; end
if nargin < 4
  module = 'V1_encoder';
  mods = fieldnames(L.activity.(state));
  for k = 1:numel(mods)
    if isstruct(L.activity.(state).(mods{k})) && isfield(L.activity.(state).(mods{k}), 'z'), module = mods{k}; end
  end
end
z = double(somnus.activity(L, module, 'z', state, epoch));  % N x latent
labels = double(L.probe.labels(:));
zc = z - mean(z, 1);
[~, S, V] = svd(zc, 'econ');
pcs = zc * V(:, 1:2);
s = diag(S) .^ 2;
fig = figure('visible', 'off', 'position', [0 0 600 500]);
scatter(pcs(:, 1), pcs(:, 2), 12, labels, 'filled');
colormap(jet(10)); colorbar;
xlabel(sprintf('PC1 (%.0f %%)', 100 * s(1) / sum(s)));
ylabel(sprintf('PC2 (%.0f %%)', 100 * s(2) / sum(s)));
title(sprintf('%s latents after %s (colour: class)', strrep(module, '_', ' '), state));
end
