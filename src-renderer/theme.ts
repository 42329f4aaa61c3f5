import { Drawer, Modal, Notification, createTheme } from '@mantine/core';

// Only default props here: colours themed in JS would need Mantine's inline <style>, which the
// CSP forbids (colour tweaks live in styles.css instead).
const closeButtonProps = { 'aria-label': 'Close' };

/** Mantine's defaults, with labelled close buttons on every dialog. */
export const theme = createTheme({
  components: {
    // lockScroll injects a <style> (react-remove-scroll); the overlay covers the page anyway.
    Modal: Modal.extend({ defaultProps: { closeButtonProps, lockScroll: false } }),
    Drawer: Drawer.extend({ defaultProps: { closeButtonProps, lockScroll: false } }),
    Notification: Notification.extend({ defaultProps: { closeButtonProps } }),
  },
});
