function fig = plot_dreams(L, epoch, count)
%SOMNUS.PLOT_DREAMS  Wake input and reconstruction, NREM dreams (plain, occluded), REM dreams.
if nargin < 2, epoch = -1; end
if nargin < 3, count = 8; end
rows = {'wake', 'input'; 'wake', 'reconstruction'; 'nrem', 'dream'; 'nrem', 'occluded_dream'; 'rem', 'dream'};
fig = figure('visible', 'off', 'position', [0 0 90 * count 100 * size(rows, 1)]);
for r = 1:size(rows, 1)
  if ~isfield(L.dreams, rows{r, 1}) || ~isfield(L.dreams.(rows{r, 1}), rows{r, 2}), continue; end
  G = L.dreams.(rows{r, 1});
  epochs = double(G.epoch(:));
  e = epoch; if e < 0, e = max(epochs) + 1 + e; end
  idx = find(epochs == e, 1, 'last');
  images = G.(rows{r, 2});  % W x H x C x rows x samples
  for c = 1:min(count, size(images, 4))
    subplot(size(rows, 1), count, (r - 1) * count + c);
    img = (double(images(:, :, 1, c, idx))' + 1) / 2;  % H x W in [0, 1]
    imagesc(img, [0 1]); colormap(gray); axis image off;
    if c == 1, title(strrep([rows{r, 1} ' ' rows{r, 2}], '_', ' ')); end
  end
end
end
