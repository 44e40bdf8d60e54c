import { Result } from "antd";
import { Component, type ErrorInfo, type ReactNode } from "react";

import i18n from "./i18n";

/** A page that throws while rendering shows its error, not a blank screen; the menu stays usable. */
export class ErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  state = { error: null as Error | null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  componentDidCatch(error: Error, info: ErrorInfo) {
    console.error(error, info.componentStack);
  }

  render() {
    if (this.state.error) {
      return <Result status="error" title={i18n.t("errors.generic")} subTitle={this.state.error.message} />;
    }
    return this.props.children;
  }
}
