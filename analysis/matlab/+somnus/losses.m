function T = losses(L, state)
%SOMNUS.LOSSES  Loss terms of a brain state per step, as a struct of column vectors.
%   T = SOMNUS.LOSSES(L, 'wake') has T.step, T.epoch and one field per loss
%   term (e.g. T.reconstruction, T.kl, T.real).
G = L.states.(state);
T = G.losses;
T.step = double(G.step);
T.epoch = double(G.epoch);
end
