import { StrictMode } from "react";
import { createRoot } from "react-dom/client";

import { ready } from "./app/i18n";
import "./app/styles.css";
import { App } from "./app/App";

// After the remembered language's messages are there (English is a chunk of its own): no flash of Chinese.
void ready.then(() =>
  createRoot(document.getElementById("root")!).render(
    <StrictMode>
      <App />
    </StrictMode>,
  ),
);
