import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './ui/App.tsx';
import { installTestHook } from './ui/state/test-hook.ts';
import { registerOfflineCache } from './ui/offline.ts';

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
