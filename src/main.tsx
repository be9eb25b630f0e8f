import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './ui/App.tsx';
import { installTestHook } from './ui/state/test-hook.ts';
import { registerOfflineCache } from './ui/offline.ts';
import { startFromUrl } from './ui/state/actions.ts';

installTestHook();
registerOfflineCache();

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}

void startFromUrl(window.location.search);
